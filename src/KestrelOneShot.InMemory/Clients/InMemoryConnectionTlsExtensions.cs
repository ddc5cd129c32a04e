using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace KestrelOneShot.InMemory;

/// <summary>TLS over the client's end of an in-memory connection.</summary>
public static class InMemoryConnectionTlsExtensions
{
    /// <inheritdoc cref="TlsClientHandshake.ConnectAsync"/>
    public static Task<SslStream> AuthenticateAsClientAsync(
        this InMemoryConnection connection,
        X509Certificate2 trust,
        string serverName = "localhost",
        IEnumerable<string>? applicationProtocols = null,
        X509Certificate2? clientCertificate = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return TlsClientHandshake.ConnectAsync(connection.AsStream(), trust, serverName, applicationProtocols, clientCertificate, cancellationToken);
    }
}

/// <summary>A TLS client over any stream: an in-memory connection's, or a socket's.</summary>
public static class TlsClientHandshake
{
    /// <summary>
    /// Handshakes over <paramref name="stream"/> as a client: it asks for <paramref name="serverName"/>
    /// (SNI) and accepts the server's certificate only when it chains to <paramref name="trust"/>, the
    /// one root it trusts (a server's generated certificate, or a test CA). The stream is the TLS
    /// stream's from then on.
    /// </summary>
    public static async Task<SslStream> ConnectAsync(
        Stream stream,
        X509Certificate2 trust,
        string serverName = "localhost",
        IEnumerable<string>? applicationProtocols = null,
        X509Certificate2? clientCertificate = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(trust);
        ArgumentException.ThrowIfNullOrEmpty(serverName);
        var tls = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ApplicationProtocols = applicationProtocols?.Select(id => new SslApplicationProtocol(id)).ToList(),
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is X509Certificate2 server && ChainsTo(server, trust),
            }, cancellationToken);
            return tls;
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
    }

    /// <summary>The name is not checked: tests ask for names of their choosing (SNI) of one certificate.</summary>
    internal static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 trust)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(trust);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
