using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace KestrelOneShot.Hosting;

/// <summary>
/// The loopback addresses this machine has (127.0.0.1, and ::1 unless IPv6 loopback is missing),
/// and a port free on all of them for <c>--port 0</c>.
/// </summary>
internal static class LoopbackPort
{
    private const int Attempts = 20;

    /// <summary>Read from the kernel's address table, so finding out opens no socket.</summary>
    public static IReadOnlyList<IPAddress> Addresses { get; } = FindAddresses();

    /// <summary>
    /// The sockets are only bound, never listened on, so releasing them leaves no TIME_WAIT behind.
    /// Another process could take the port in the instant before Kestrel binds it; Kestrel then
    /// reports it in use (exit 3) like any other conflict.
    /// </summary>
    public static int FindFree()
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            using var first = new Socket(Addresses[0].AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            first.Bind(new IPEndPoint(Addresses[0], 0));
            var port = ((IPEndPoint)first.LocalEndPoint!).Port;
            if (Addresses.Skip(1).All(address => IsFree(address, port)))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"found no port free on {string.Join(" and ", Addresses)} in {Attempts} attempts");
    }

    private static bool IsFree(IPAddress address, int port)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static IPAddress[] FindAddresses() =>
        Socket.OSSupportsIPv6 && HasIPv6Loopback() ? [IPAddress.Loopback, IPAddress.IPv6Loopback] : [IPAddress.Loopback];

    private static bool HasIPv6Loopback()
    {
        // Linux lists its IPv6 addresses in one small file, far cheaper to read at start-up than
        // the interface table (docs/performance.md).
        const string Inet6Table = "/proc/net/if_inet6";
        if (File.Exists(Inet6Table))
        {
            return File.ReadLines(Inet6Table).Any(line => line.StartsWith("00000000000000000000000000000001 ", StringComparison.Ordinal));
        }

        return NetworkInterface.GetAllNetworkInterfaces()
            .Where(nic => nic.NetworkInterfaceType == NetworkInterfaceType.Loopback && nic.OperationalStatus != OperationalStatus.Down)
            .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
            .Any(unicast => unicast.Address.Equals(IPAddress.IPv6Loopback));
    }
}
