using System.Globalization;

namespace KestrelOneShot.Tests;

/// <summary>Linux's socket tables (/proc/net/tcp and tcp6): what the kernel says of a local port.</summary>
internal static class SocketTable
{
    public const string Listen = "0A";
    public const string TimeWait = "06";

    private static readonly string[] Tables = ["/proc/net/tcp", "/proc/net/tcp6"];

    /// <summary>Whether a socket of this process listens on <paramref name="port"/>: the table's inode is one of our descriptors.</summary>
    public static bool ListensInThisProcess(int port)
    {
        var ours = Directory.GetFiles("/proc/self/fd")
            .Select(fd => new FileInfo(fd).LinkTarget)
            .OfType<string>()
            .Where(target => target.StartsWith("socket:[", StringComparison.Ordinal))
            .Select(target => target["socket:[".Length..^1])
            .ToHashSet();
        return Rows().Any(fields => fields[3] == Listen && PortOf(fields) == port && ours.Contains(fields[9]));
    }

    /// <summary>Whether a socket on local <paramref name="port"/> is in <paramref name="state"/>.</summary>
    public static bool Has(int port, string state) => Rows().Any(fields => fields[3] == state && PortOf(fields) == port);

    private static IEnumerable<string[]> Rows() =>
        Tables
            .Where(File.Exists)
            .SelectMany(table => File.ReadLines(table).Skip(1))
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length > 9);

    private static int PortOf(string[] fields) => int.Parse(fields[1].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
