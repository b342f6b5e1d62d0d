/// The one place Meridian's version is written. `meridian --version`, `meridian-agent --version`,
/// `agent.hello` and the Debian package name all read it (the Makefile greps this line).
public enum MeridianVersion {
    public static let current = "0.1.0"
}
