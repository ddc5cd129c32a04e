using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace KestrelOneShot.Tests;

/// <summary>A TLS client over any stream (a socket's, or an in-memory connection's), trusting only what it is told to.</summary>
internal static class TlsClient
{
    /// <summary>
    /// Handshakes asking for <paramref name="serverName"/> (SNI), and accepts the server's certificate
    /// when it chains to <paramref name="trust"/>, the only root (the name is not what these tests check).
    /// </summary>
    public static async Task<SslStream> ConnectAsync(
        Stream stream,
        X509Certificate2 trust,
        string serverName = "localhost",
        string[]? alpn = null,
        X509Certificate2? clientCertificate = null)
    {
        var tls = new SslStream(stream, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ApplicationProtocols = alpn?.Select(id => new SslApplicationProtocol(id)).ToList(),
            ClientCertificates = clientCertificate is null ? null : [clientCertificate],
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is X509Certificate2 server && ChainsTo(server, trust),
        }, TestContext.Current.CancellationToken).WaitAsync(Bounded.Timeout, TestContext.Current.CancellationToken);
        return tls;
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 trust)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(trust);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

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
