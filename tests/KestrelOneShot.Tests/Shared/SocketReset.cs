using System.Net;
using System.Net.Sockets;

namespace KestrelOneShot.Tests;

/// <summary>What an HttpClient meets when a real loopback socket is reset part way through a response.</summary>
internal static class SocketReset
{
    /// <summary>
    /// A server that reads the request, sends the first <paramref name="bytes"/> of a response and
    /// resets the connection (SO_LINGER 0, then close: an RST); the HttpClient's exception.
    /// </summary>
    public static async Task<HttpRequestException> AfterResponseBytesAsync(int bytes)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var serving = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptAsync(TestContext.Current.CancellationToken);
            var request = new byte[4096];
            await accepted.ReceiveAsync(request, TestContext.Current.CancellationToken);
            var response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{}"u8.ToArray();
            await accepted.SendAsync(response.AsMemory(0, bytes), TestContext.Current.CancellationToken);
            accepted.LingerState = new LingerOption(true, 0);
            accepted.Close();
        });
        using var client = new HttpClient();
        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://{listener.LocalEndPoint}/", TestContext.Current.CancellationToken)).Within();
        await serving.Within();
        return failure;
    }
}
