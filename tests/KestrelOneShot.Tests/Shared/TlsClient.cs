using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;

using KestrelOneShot.InMemory;

namespace KestrelOneShot.Tests;

/// <summary>TLS exchanges for the tests, over any stream (a socket's, or an in-memory connection's).</summary>
internal static class TlsClient
{
    /// <summary>The kit's TLS client (<see cref="TlsClientHandshake"/>), bounded.</summary>
    public static Task<SslStream> ConnectAsync(
        Stream stream,
        X509Certificate2 trust,
        string serverName = "localhost",
        string[]? alpn = null,
        X509Certificate2? clientCertificate = null) =>
        TlsClientHandshake.ConnectAsync(stream, trust, serverName, alpn, clientCertificate, TestContext.Current.CancellationToken)
            .WaitAsync(Bounded.Timeout, TestContext.Current.CancellationToken);

    /// <summary>Sends <paramref name="message"/> and reads the answer to the server's close_notify.</summary>
    public static async Task<string> ExchangeAsync(SslStream tls, string message)
    {
        await tls.WriteAsync(Encoding.UTF8.GetBytes(message), TestContext.Current.CancellationToken);
        await tls.FlushAsync(TestContext.Current.CancellationToken);
        using var answer = new MemoryStream();
        await tls.CopyToAsync(answer, TestContext.Current.CancellationToken).WaitAsync(Bounded.Timeout, TestContext.Current.CancellationToken);
        return Encoding.UTF8.GetString(answer.ToArray());
    }
}
