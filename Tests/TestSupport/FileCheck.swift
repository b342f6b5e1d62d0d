#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum FileCheck {
    public static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
    public static func permissions(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }
}
