using System.Net;
using System.Net.Sockets;

namespace KestrelOneShot.Tests;

/// <summary>A real socket client, the way nc or telnet talks to the server.</summary>
internal sealed class SocketClient : IDisposable
{
    private SocketClient(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    public static async Task<SocketClient> ConnectAsync(IPEndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endpoint, TestContext.Current.CancellationToken).AsTask().Within();
        return new SocketClient(socket);
    }

    /// <summary>Connects, sends, optionally ends its output, and reads the answer to the server's close.</summary>
    public static async Task<ClientAnswer> ExchangeAsync(IPEndPoint endpoint, ReadOnlyMemory<byte> message, bool endOutput = false)
    {
        using var client = await ConnectAsync(endpoint);
        await client.SendAsync(message);
        if (endOutput)
        {
            client.Socket.Shutdown(SocketShutdown.Send);
        }

        return await client.ReadToEndAsync();
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes) =>
        await Socket.SendAsync(bytes, SocketFlags.None, TestContext.Current.CancellationToken).AsTask().Within();

    /// <summary>Everything until the server closes: a clean end (FIN) or a reset (RST).</summary>
    public async Task<ClientAnswer> ReadToEndAsync()
    {
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await Socket.ReceiveAsync(buffer, SocketFlags.None, TestContext.Current.CancellationToken).AsTask().Within();
                if (read == 0)
                {
                    return new ClientAnswer(received.ToArray(), Reset: false);
                }

                received.Write(buffer, 0, read);
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return new ClientAnswer(received.ToArray(), Reset: true);
        }
    }

    public void Dispose() => Socket.Dispose();
}
