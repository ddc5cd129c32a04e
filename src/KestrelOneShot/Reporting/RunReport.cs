using System.Text.Json.Serialization;

using KestrelOneShot.Connections;
using KestrelOneShot.Diagnosis;
using KestrelOneShot.ProxyProtocol;
using KestrelOneShot.Run;
using KestrelOneShot.Tls;

namespace KestrelOneShot.Reporting;

/// <summary>The machine-readable record of a run (<c>--report FILE</c>).</summary>
internal sealed record RunReport(
    string Outcome,
    int ExitCode,
    string? Error,
    IReadOnlyList<string> Endpoints,
    IReadOnlyList<ServedReport> Served,
    int Probes,
    IReadOnlyList<RejectionReport> Rejected,
    int RejectedCount,
    ReportTimings Timings,
    CertificateReport? Tls)
{
    /// <param name="certificate">The certificate the endpoints served, when they spoke TLS.</param>
    public static RunReport Create(int exitCode, string? error, OneShotRun? run, ServerCertificate? certificate, TimeProvider time, long startTimestamp, long exitTimestamp)
    {
        var ready = run?.ReadyTimestamp;
        var served = run?.ServedTimestamp;
        return new RunReport(
            OutcomeName(exitCode),
            exitCode,
            error,
            run?.Endpoints ?? [],
            run?.Served.Select(ServedReport.From).ToArray() ?? [],
            run?.Rejections.HealthChecks ?? 0,
            run?.Rejections.Entries.Select(r => RejectionReport.From(r, time, ready)).ToArray() ?? [],
            run?.Rejections.Count ?? 0,
            new ReportTimings(
                Milliseconds(time, startTimestamp, ready),
                ready is { } r ? Milliseconds(time, r, served) : null,
                Milliseconds(time, served, exitTimestamp)),
            certificate is not null ? CertificateReport.From(certificate) : null);
    }

    private static string OutcomeName(int exitCode) => exitCode switch
    {
        ExitCodes.Served => "served",
        ExitCodes.InvalidConfiguration => "invalid-configuration",
        ExitCodes.CannotListen => "cannot-listen",
        ExitCodes.WaitTimedOut => "wait-timeout",
        ExitCodes.NotAsExpected => "served-not-as-expected",
        ExitCodes.Interrupted => "interrupted",
        ExitCodes.Terminated => "terminated",
        _ => "failed",
    };

    private static double? Milliseconds(TimeProvider time, long? from, long? to) =>
        from is { } f && to is { } t ? Math.Round(time.GetElapsedTime(f, t).TotalMilliseconds, 3) : null;
}

/// <param name="Text">The message as printed, without the prefix.</param>
/// <param name="Base64">The captured bytes.</param>
/// <param name="Expectations">One entry per <c>--expect-…</c> switch; absent without any.</param>
/// <param name="Warning">What looked wrong though it was served (its warning line's text); absent when nothing did.</param>
internal sealed record ServedReport(
    string Text,
    string Base64,
    long Bytes,
    bool Capped,
    string? LocalEndPoint,
    string? RemoteEndPoint,
    ProxyReport? Proxy,
    TlsReport? Tls,
    IReadOnlyList<ExpectationReport>? Expectations,
    string? Warning,
    HttpReport? Http)
{
    public static ServedReport From(ServedMessage message) => new(
        message.Text,
        Convert.ToBase64String(message.Raw),
        message.Bytes,
        message.Capped,
        message.Local?.ToString(),
        message.Remote?.ToString(),
        message.Proxy is { } proxy ? ProxyReport.From(proxy) : null,
        message.Tls is { } tls ? new TlsReport(tls.Protocol, tls.CipherSuite, tls.Sni, tls.Alpn, tls.ClientCertificate) : null,
        message.Expectations.Count > 0 ? [.. message.Expectations.Select(e => new ExpectationReport(e.Name, e.Expected, e.Actual, e.Met, e.Hint))] : null,
        message.Warning,
        message.Http is { } http ? HttpReport.From(http) : null);
}

/// <summary>The served HTTP request as it arrived.</summary>
/// <param name="Version"><c>1.0</c>, <c>1.1</c> or <c>2</c>.</param>
/// <param name="ChosenBy"><c>http1</c> (a request line), <c>prior-knowledge</c> (the h2c preface) or <c>alpn</c>.</param>
/// <param name="Host">The <c>Host</c> header, or <c>:authority</c>; null when absent.</param>
/// <param name="Headers">Every header as <c>name</c> and <c>value</c> (values capped at 256 characters), in Kestrel's order.</param>
internal sealed record HttpReport(
    string Method,
    string Target,
    string Version,
    string ChosenBy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Host,
    IReadOnlyList<ReceivedHeader> Headers,
    long BodyBytes,
    bool BodyCapped,
    ForwardingReport Forwarding,
    bool WebSocket)
{
    public static HttpReport From(HttpRequestFacts http) => new(
        http.Method,
        http.Target,
        http.Version,
        http.Choice switch
        {
            HttpVersionChoice.Alpn => "alpn",
            HttpVersionChoice.PriorKnowledge => "prior-knowledge",
            _ => "http1",
        },
        http.Host,
        http.Headers,
        http.BodyBytes,
        http.BodyCapped,
        ForwardingReport.From(http.Forwarding),
        http.WebSocket);
}

/// <summary>The forwarding headers parsed; <c>nearestClient</c> and <c>nearestProto</c> are what the nearest proxy said (null when it said nothing).</summary>
internal sealed record ForwardingReport(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NearestClient,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NearestProto,
    IReadOnlyList<string> XForwardedFor,
    IReadOnlyList<string> XForwardedProto,
    IReadOnlyList<string> XForwardedHost,
    IReadOnlyList<ForwardedElement> Forwarded,
    IReadOnlyList<string> Via)
{
    public static ForwardingReport From(ForwardingChain chain) =>
        new(chain.NearestClient, chain.NearestProto, chain.ForwardedFor, chain.ForwardedProto, chain.ForwardedHost, chain.Forwarded, chain.Via);
}

/// <summary>An expectation and what the served connection had; <c>actual</c> is null when it had no such thing (no TLS, no SNI); <c>hint</c> names the directive that fixes a well-known proxy default.</summary>
internal sealed record ExpectationReport(string Name, string Expected, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Actual, bool Met, string? Hint);

/// <summary>A connection turned away, or a probe: where, when, why, and what it began with.</summary>
/// <param name="Kind"><c>health-check</c> (a probe: closed, silent, a v2 LOCAL header, a handshake not completed), <c>rejected</c> or <c>latecomer</c>.</param>
/// <param name="AtMs">Milliseconds after the server was ready.</param>
/// <param name="Stage"><c>proxy</c>, <c>tls</c>, <c>read</c> or <c>http</c>.</param>
internal sealed record RejectionReport(
    string Kind,
    string? LocalEndPoint,
    string? RemoteEndPoint,
    string? OriginalClient,
    double? AtMs,
    string Stage,
    string Reason,
    FirstBytesReport FirstBytes)
{
    public static RejectionReport From(Rejection rejection, TimeProvider time, long? ready) => new(
        rejection.Kind,
        rejection.Local?.ToString(),
        rejection.Remote?.ToString(),
        rejection.OriginalClient?.ToString(),
        ready is { } r ? Math.Max(0, Math.Round(time.GetElapsedTime(r, rejection.Timestamp).TotalMilliseconds, 3)) : null,
        rejection.Stage.ToString().ToLowerInvariant(),
        rejection.Reason,
        FirstBytesReport.From(rejection.Began));
}

/// <summary>What a connection began with: the kind, the fields that name its sender where they apply, and at most its first 16 bytes in hex.</summary>
/// <param name="Kind"><c>nothing</c>, <c>proxy-v1</c>, <c>proxy-v2</c>, <c>tls-client-hello</c>, <c>http1-request</c>, <c>http2-preface</c>, <c>ssh-banner</c> or <c>other</c>.</param>
internal sealed record FirstBytesReport(
    string Kind,
    string? Sni,
    IReadOnlyList<string>? Alpn,
    IReadOnlyList<string>? TlsVersions,
    string? Method,
    string? Target,
    string? Host,
    string? Detail,
    string Hex)
{
    public static FirstBytesReport From(FirstBytes began) => new(
        KindName(began.Kind),
        began.Sni,
        began.Alpn.Count > 0 ? began.Alpn : null,
        began.TlsVersions.Count > 0 ? began.TlsVersions : null,
        began.Method,
        began.Target,
        began.Host,
        began.Detail,
        began.Hex);

    private static string KindName(FirstBytesKind kind) => kind switch
    {
        FirstBytesKind.Nothing => "nothing",
        FirstBytesKind.ProxyV1 => "proxy-v1",
        FirstBytesKind.ProxyV2 => "proxy-v2",
        FirstBytesKind.TlsClientHello => "tls-client-hello",
        FirstBytesKind.Http1Request => "http1-request",
        FirstBytesKind.Http2Preface => "http2-preface",
        FirstBytesKind.SshBanner => "ssh-banner",
        _ => "other",
    };
}

/// <summary>The certificate the endpoints served.</summary>
/// <param name="CertificateSha256">The SHA-256 fingerprint, 64 lowercase hex digits.</param>
internal sealed record CertificateReport(string CertificateSha256, string CertificateSubject, bool Generated, DateTimeOffset NotAfter)
{
    public static CertificateReport From(ServerCertificate certificate) =>
        new(certificate.Sha256, certificate.Subject, certificate.Generated, certificate.NotAfter);
}

/// <summary>What a served connection's TLS handshake settled; <c>sni</c>, <c>alpn</c> and <c>clientCertificate</c> are null when absent.</summary>
internal sealed record TlsReport(
    string Protocol,
    string CipherSuite,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Sni,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Alpn,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ClientCertificateFacts? ClientCertificate);

/// <param name="OriginalClient">Who the proxy says the client was.</param>
/// <param name="Hop">The proxy itself: the connection's own remote endpoint.</param>
/// <param name="Tlvs">Every TLV, raw; the ones this server knows are decoded beside them.</param>
internal sealed record ProxyReport(
    int Version,
    string Command,
    string? OriginalClient,
    string? OriginalDestination,
    string? Hop,
    IReadOnlyList<TlvReport> Tlvs,
    string? Alpn,
    string? Authority,
    string? UniqueId,
    string? Netns,
    ProxySslValues? Ssl)
{
    public static ProxyReport From(ProxyHeader proxy)
    {
        var decoded = ProxyTlvValues.Decode(proxy.Tlvs);
        return new ProxyReport(
            proxy.Version,
            proxy.Command.ToString().ToLowerInvariant(),
            proxy.Source?.ToString(),
            proxy.Destination?.ToString(),
            proxy.Hop?.ToString(),
            [.. proxy.Tlvs.Select(t => new TlvReport(t.Type, Convert.ToBase64String(t.Value)))],
            decoded.Alpn,
            decoded.Authority,
            decoded.UniqueId is { } id ? Convert.ToBase64String(id) : null,
            decoded.Netns,
            decoded.Ssl);
    }
}

internal sealed record TlvReport(int Type, string Base64);

/// <summary>Milliseconds: start of the run to listening, listening to the last answer, that to exit.</summary>
internal sealed record ReportTimings(double? StartToReadyMs, double? ReadyToServedMs, double? ServedToExitMs);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunReport))]
internal sealed partial class RunReportJsonContext : JsonSerializerContext;
