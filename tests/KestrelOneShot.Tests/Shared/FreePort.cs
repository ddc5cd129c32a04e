using System.Net;
using System.Net.Sockets;

namespace KestrelOneShot.Tests;

internal static class FreePort
{
    /// <summary>A port free on 127.0.0.1 now, for programs that cannot be told to pick one themselves.</summary>
    public static int Find()
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
