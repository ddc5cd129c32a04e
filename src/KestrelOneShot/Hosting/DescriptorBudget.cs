namespace KestrelOneShot.Hosting;

/// <summary>
/// How many connections may be open at once without running out of file descriptors. Kestrel's
/// socket transport retries a failed accept at once, so at the descriptor limit (EMFILE) its accept
/// loop spins, allocating as it goes, and logs only at debug level. Capping Kestrel's concurrent
/// connections below the limit keeps every accept succeeding: a connection over the cap is accepted
/// and closed at once, with Kestrel's warning, and the real client is served as soon as others close.
/// </summary>
internal static class DescriptorBudget
{
    /// <summary>Kept free for what else the process opens: the report file, assemblies, the listeners.</summary>
    public const int Reserve = 32;

    private const string Limits = "/proc/self/limits";
    private const string OpenDescriptors = "/proc/self/fd";

    /// <summary>The connection cap and the figures it came from; null where the kernel does not say (not Linux) or the limit is unlimited.</summary>
    public static (long Limit, int Open, long Soft)? Measure()
    {
        if (!File.Exists(Limits) || SoftLimit() is not { } soft)
        {
            return null;
        }

        var open = Directory.EnumerateFileSystemEntries(OpenDescriptors).Count();
        return (Math.Max(1, soft - open - Reserve), open, soft);
    }

    // The kernel's table: "Max open files            1024                 1048576              files".
    private static long? SoftLimit()
    {
        foreach (var line in File.ReadLines(Limits))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 0 && long.TryParse(fields[0], System.Globalization.CultureInfo.InvariantCulture, out var soft) ? soft : null;
            }
        }

        return null;
    }
}
