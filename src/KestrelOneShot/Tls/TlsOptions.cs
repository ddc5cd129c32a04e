using System.Security.Cryptography.X509Certificates;

namespace KestrelOneShot.Tls;

/// <summary>How an endpoint speaks TLS (<see cref="ListenOptionsTlsExtensions.UseTls"/>).</summary>
internal sealed class TlsOptions(ServerCertificate certificate)
{
    public ServerCertificate Certificate { get; } = certificate;

    /// <summary>When set, a client certificate is required and must chain to one of these.</summary>
    public X509Certificate2Collection? ClientCertificateAuthorities { get; init; }

    /// <summary>The ALPN protocol ids accepted; null negotiates none.</summary>
    public IReadOnlyList<string>? ApplicationProtocols { get; init; }

    /// <summary>A handshake not done by then is abandoned (a probe); <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
