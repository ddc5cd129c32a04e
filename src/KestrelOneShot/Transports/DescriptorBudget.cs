namespace KestrelOneShot.Transports;

/// <summary>
/// How many connections may be open at once without running out of file descriptors (see
/// <see cref="ConnectionCapTransport"/>), from the process's RLIMIT_NOFILE and what it holds at start.
/// </summary>
internal static class DescriptorBudget
{
    /// <summary>
    /// Kept free, of the descriptors left at start, for what else the process opens (the listeners,
    /// the runtime's own, assemblies, the report file): a quarter, and at least <see cref="MinimumReserve"/>.
    /// </summary>
    public const int MinimumReserve = 64;

    private const string Limits = "/proc/self/limits";
    private const string OpenDescriptors = "/proc/self/fd";

    /// <summary>The connection cap and the figures it came from; null where the kernel does not say (not Linux) or there is no limit.</summary>
    public static (long Limit, int Open, long Soft, long Reserve)? Measure()
    {
        if (!File.Exists(Limits) || SoftLimit() is not { } soft)
        {
            return null;
        }

        var open = Directory.EnumerateFileSystemEntries(OpenDescriptors).Count();
        var reserve = Math.Max(MinimumReserve, (soft - open) / 4);
        return (Math.Max(1, soft - open - reserve), open, soft, reserve);
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
