using System.Globalization;

namespace KestrelOneShot.Tests;

/// <summary>Linux's socket tables (/proc/net/tcp and tcp6): what the kernel says of a local port.</summary>
internal static class SocketTable
{
    public const string Listen = "0A";
    public const string TimeWait = "06";

    private static readonly string[] Tables = ["/proc/net/tcp", "/proc/net/tcp6"];

    /// <summary>Whether a socket on local <paramref name="port"/> is in <paramref name="state"/>.</summary>
    public static bool Has(int port, string state) =>
        Tables
            .Where(File.Exists)
            .SelectMany(File.ReadLines)
            .Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(fields => fields.Length > 3
                && fields[3] == state
                && int.Parse(fields[1].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port);
}
