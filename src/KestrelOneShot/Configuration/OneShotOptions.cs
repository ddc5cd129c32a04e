using System.Net;

using KestrelOneShot.ProxyProtocol;

namespace KestrelOneShot.Configuration;

/// <summary>
/// The <c>OneShot</c> configuration section, typed. Every default, switch, reader, check, accepted
/// value and help line comes from the option's definition in <see cref="OneShotOption"/>.
/// </summary>
internal sealed class OneShotOptions
{
    public const string SectionName = "OneShot";

    public const string LocalhostAddress = "localhost";

    public const string AnyAddress = "any";

    public const int MaxMessageBytesLimit = 65536;

    public int Port { get; set; } = OneShotOption.Port.Default;

    /// <summary><c>localhost</c>, <c>any</c>, or an IPv4/IPv6 literal.</summary>
    public string Address { get; set; } = OneShotOption.Address.Default;

    public int MaxMessageBytes { get; set; } = OneShotOption.MaxMessageBytes.Default;

    public string Response { get; set; } = OneShotOption.Response.Default;

    /// <summary>A connection that sends nothing by then is a probe; zero waits for ever.</summary>
    public TimeSpan ReadTimeout { get; set; } = OneShotOption.ReadTimeout.Default;

    /// <summary>Exit 4 when not every shot was served by then; null or zero waits for ever.</summary>
    public TimeSpan? WaitTimeout { get; set; } = OneShotOption.WaitTimeout.Default;

    /// <summary>How many messages to serve before stopping; probes never count.</summary>
    public int Count { get; set; } = OneShotOption.Count.Default;

    public ProxyProtocolMode ProxyProtocol { get; set; } = OneShotOption.ProxyProtocol.Default;

    /// <summary>Where to write the JSON report of the run, if anywhere.</summary>
    public string? ReportPath { get; set; } = OneShotOption.ReportPath.Default;

    /// <summary>Serve TLS with a certificate generated at start (also implied by a given certificate or client CA).</summary>
    public bool Tls { get; set; } = OneShotOption.Tls.Default;

    public string? TlsCertificate { get; set; } = OneShotOption.TlsCertificate.Default;

    public string? TlsKey { get; set; } = OneShotOption.TlsKey.Default;

    public string? TlsCertificateOut { get; set; } = OneShotOption.TlsCertificateOut.Default;

    public string? TlsClientCa { get; set; } = OneShotOption.TlsClientCa.Default;

    public IReadOnlyList<string>? Alpn { get; set; } = OneShotOption.Alpn.Default;

    /// <summary>The original client (the PROXY header's source, else the peer) is in this block.</summary>
    public IPNetwork? ExpectClient { get; set; } = OneShotOption.ExpectClient.Default;

    /// <summary><c>v1</c>, <c>v2</c> or <c>none</c>.</summary>
    public string? ExpectProxy { get; set; } = OneShotOption.ExpectProxy.Default;

    public string? ExpectSni { get; set; } = OneShotOption.ExpectSni.Default;

    public string? ExpectAlpn { get; set; } = OneShotOption.ExpectAlpn.Default;

    /// <summary><c>TLSv1.2</c> or <c>TLSv1.3</c>.</summary>
    public string? ExpectTlsVersion { get; set; } = OneShotOption.ExpectTlsVersion.Default;

    /// <summary>A subject, or a SHA-256 fingerprint in hex.</summary>
    public string? ExpectClientCert { get; set; } = OneShotOption.ExpectClientCert.Default;

    public string? ExpectAuthority { get; set; } = OneShotOption.ExpectAuthority.Default;

    /// <summary>The message as printed, escapes included.</summary>
    public string? ExpectMessage { get; set; } = OneShotOption.ExpectMessage.Default;

    /// <summary>Whether the endpoints speak HTTP (Kestrel's HTTP layer) rather than raw TCP.</summary>
    public bool Http { get; set; } = OneShotOption.Http.Default;

    /// <summary>Paths whose GET is a health check.</summary>
    public IReadOnlyList<string> HealthPath { get; set; } = OneShotOption.HealthPath.Default;

    public string? ExpectHost { get; set; } = OneShotOption.ExpectHost.Default;

    public string? ExpectPath { get; set; } = OneShotOption.ExpectPath.Default;

    public string? ExpectMethod { get; set; } = OneShotOption.ExpectMethod.Default;

    /// <summary><c>1.0</c>, <c>1.1</c> or <c>2</c>.</summary>
    public string? ExpectHttpVersion { get; set; } = OneShotOption.ExpectHttpVersion.Default;

    /// <summary>Each <c>Name: value</c>, or <c>Name</c> for any value.</summary>
    public IReadOnlyList<string> ExpectHeader { get; set; } = OneShotOption.ExpectHeader.Default;

    public IReadOnlyList<string> ExpectNoHeader { get; set; } = OneShotOption.ExpectNoHeader.Default;

    public IPNetwork? ExpectForwardedFor { get; set; } = OneShotOption.ExpectForwardedFor.Default;

    /// <summary><c>http</c> or <c>https</c>.</summary>
    public string? ExpectForwardedProto { get; set; } = OneShotOption.ExpectForwardedProto.Default;

    public bool ExpectWebSocket { get; set; } = OneShotOption.ExpectWebSocket.Default;

    /// <summary>Whether the endpoints speak TLS: <c>--tls</c>, or a certificate or client CA given.</summary>
    public bool UsesTls => Tls || TlsCertificate is not null || TlsClientCa is not null;

    /// <summary>
    /// Configuration values that could not be read as their option's type, as one-line errors.
    /// Set by <see cref="OneShotOptionsBinder"/>; the validator reports them with the rest.
    /// </summary>
    internal List<string> UnreadableValues { get; } = [];
}
