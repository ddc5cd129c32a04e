namespace KestrelOneShot.Diagnosis;

/// <summary>What a connection's first bytes were, as far as they can be named.</summary>
internal enum FirstBytesKind
{
    Nothing,
    ProxyV1,
    ProxyV2,
    TlsClientHello,
    Http1Request,
    Http2Preface,
    SshBanner,
    Other,
}

/// <summary>
/// A connection's first bytes, named: the kind and what an operator needs to recognise the sender
/// (a ClientHello's SNI, ALPN offer and versions; a request line's method, target and Host), with
/// at most the first 16 bytes in hex whatever the kind.
/// </summary>
internal sealed record FirstBytes(FirstBytesKind Kind, string Hex)
{
    public static FirstBytes Nothing { get; } = new(FirstBytesKind.Nothing, "");

    public string? Sni { get; init; }

    public IReadOnlyList<string> Alpn { get; init; } = [];

    public IReadOnlyList<string> TlsVersions { get; init; } = [];

    public string? Method { get; init; }

    public string? Target { get; init; }

    public string? Host { get; init; }

    /// <summary>The request line's protocol (HTTP/1.1), a PROXY v2 header's command and family, an SSH banner, or other bytes escaped.</summary>
    public string? Detail { get; init; }

    /// <summary>A short noun for counting ("1 TLS ClientHello, 2 HTTP/1.1 requests"); a plural adds an "s".</summary>
    public string Label => Kind switch
    {
        FirstBytesKind.Nothing => "silent connection",
        FirstBytesKind.ProxyV1 => "PROXY v1 header",
        FirstBytesKind.ProxyV2 => "PROXY v2 header",
        FirstBytesKind.TlsClientHello => "TLS ClientHello",
        FirstBytesKind.Http1Request => Detail is "HTTP/1.0" or "HTTP/1.1" ? $"{Detail} request" : "HTTP/1.x request",
        FirstBytesKind.Http2Preface => "HTTP/2 preface",
        FirstBytesKind.SshBanner => "SSH banner",
        _ => "unnamed start",
    };

    /// <summary>For a log line: "a TLS ClientHello (SNI route.test, ALPN h2,http/1.1)".</summary>
    public string Describe() => Kind switch
    {
        FirstBytesKind.Nothing => "nothing",
        FirstBytesKind.ProxyV1 => "a PROXY v1 header",
        FirstBytesKind.ProxyV2 => $"a PROXY v2 header ({Detail})",
        FirstBytesKind.TlsClientHello => $"a TLS ClientHello ({(Sni is null ? "no SNI" : $"SNI {Sni}")}{(Alpn.Count > 0 ? $", ALPN {string.Join(',', Alpn)}" : "")})",
        FirstBytesKind.Http1Request => $"an {Detail} request ({Method} {Target}{(Host is null ? "" : $", Host {Host}")})",
        FirstBytesKind.Http2Preface => "an HTTP/2 connection preface",
        FirstBytesKind.SshBanner => $"an SSH banner ({Detail})",
        _ => $"bytes that name no protocol (\"{Detail}\", hex {Hex})",
    };
}
