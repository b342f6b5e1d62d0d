/// Where the agent keeps chrony.conf's earlier versions. One constant for the agent that writes
/// them and the header of the file that says where they are.
public enum ChronyBackups {
    /// Under the agent's root.
    public static let directory = "/var/lib/meridian/backups"
    /// The node's chrony.conf as it was before Meridian first wrote it; kept forever.
    public static let originalName = "chrony.conf.meridian-orig"
    /// Earlier versions kept as `chrony.conf.SECONDS.MILLIS`, newest last.
    public static let timestampedPrefix = "chrony.conf."
    public static let kept = 5
    /// Present while chrony.conf is new and chrony not yet restarted on it (an interrupted
    /// apply): the next apply restarts chrony even though the file already matches.
    public static let restartPendingName = "restart-pending"
}
