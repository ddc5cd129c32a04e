using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;

using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace KestrelOneShot.Tls;

/// <summary>What a served connection's TLS handshake settled, as the log line and the report tell it.</summary>
/// <param name="Protocol">TLSv1.2 or TLSv1.3.</param>
/// <param name="CipherSuite">The IANA name of the cipher suite.</param>
/// <param name="Sni">The server name the client asked for, if it did.</param>
/// <param name="Alpn">The ALPN protocol agreed, if any.</param>
/// <param name="ClientCertificate">The client's certificate, if it gave one.</param>
internal sealed record TlsFacts(string Protocol, string CipherSuite, string? Sni, string? Alpn, ClientCertificateFacts? ClientCertificate)
{
    /// <summary>Null when the connection is not TLS.</summary>
    public static TlsFacts? From(IFeatureCollection features)
    {
        if (features.Get<ITlsHandshakeFeature>() is not { } handshake)
        {
            return null;
        }

        var alpn = features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol is { IsEmpty: false } protocol ? Encoding.ASCII.GetString(protocol.Span) : null;
        var client = features.Get<ITlsConnectionFeature>()?.ClientCertificate is { } certificate
            ? new ClientCertificateFacts(certificate.Subject, Convert.ToHexStringLower(SHA256.HashData(certificate.RawData)))
            : null;
        return new TlsFacts(
            ProtocolName(handshake.Protocol),
            handshake.NegotiatedCipherSuite?.ToString() ?? "",
            ServerName(handshake, features),
            alpn,
            client);
    }

    /// <summary>
    /// Ends the TLS session with a close_notify alert before the connection closes, so the client
    /// reads a clean end of the answer rather than a truncation.
    /// </summary>
    public static async Task CloseNotifyAsync(IFeatureCollection features)
    {
        if (features.Get<ISslStreamFeature>()?.SslStream is { } tls)
        {
            await tls.ShutdownAsync();
        }
    }

    // Kestrel fills HostName only on some of its paths; the stream always knows what the client asked for.
    private static string? ServerName(ITlsHandshakeFeature handshake, IFeatureCollection features) =>
        (string.IsNullOrEmpty(handshake.HostName) ? features.Get<ISslStreamFeature>()?.SslStream.TargetHostName : handshake.HostName) is { Length: > 0 } name ? name : null;

    // The names OpenSSL and HAProxy use.
    private static string ProtocolName(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        _ => protocol.ToString(),
    };
}

internal sealed record ClientCertificateFacts(string Subject, string Sha256);
