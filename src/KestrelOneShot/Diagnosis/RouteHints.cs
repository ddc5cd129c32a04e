namespace KestrelOneShot.Diagnosis;

/// <summary>
/// What an operator most likely got wrong, in each proxy's own words: every hint the one-shot gives
/// lives here, so that the PROXY stage, the TLS check, the message and HTTP say the same thing the same way.
/// </summary>
internal static class RouteHints
{
    /// <summary>A PROXY header was required and <paramref name="kind"/> came instead.</summary>
    public static string MissingProxyHeader(FirstBytesKind kind) => kind switch
    {
        FirstBytesKind.TlsClientHello => "the proxy sends no PROXY header, or sends it inside TLS",
        FirstBytesKind.Http1Request => "a proxy in HTTP mode or an HTTP health check sends no PROXY header",
        FirstBytesKind.Http2Preface => "an HTTP/2 client or proxy sends no PROXY header",
        FirstBytesKind.SshBanner => "an SSH client reached this port",
        _ => "the proxy sends no PROXY header (send-proxy / proxy_protocol on)",
    };

    /// <summary>A TLS handshake was expected and <paramref name="kind"/> came instead.</summary>
    public static string NotTls(FirstBytesKind kind) => kind switch
    {
        FirstBytesKind.Http1Request => "the proxy or client speaks plain HTTP to a TLS port (HAProxy: ssl on the server line; nginx: proxy_ssl on)",
        FirstBytesKind.Http2Preface => "an HTTP/2 client speaks cleartext (h2c) to a TLS port",
        FirstBytesKind.ProxyV1 or FirstBytesKind.ProxyV2 => "the proxy sends a PROXY header: run with --proxy-protocol required",
        FirstBytesKind.SshBanner => "an SSH client reached this port",
        _ => "the proxy or client does not re-encrypt (HAProxy: ssl on the server line; nginx: proxy_ssl on)",
    };

    /// <summary>A served message began with a PROXY header that nothing read.</summary>
    public static string ProxyHeaderInMessage(bool insideTls) => insideTls
        ? "the proxy sends its PROXY header inside TLS, where it is part of the message: it must come before the handshake (--proxy-protocol required reads it there)"
        : "the proxy sends a PROXY header and nothing reads it: run with --proxy-protocol required";

    /// <summary>A TCP endpoint served a message that is an HTTP request.</summary>
    public const string HttpOnTcpEndpoint =
        "the proxy speaks HTTP and this endpoint answers raw bytes, which its client takes for an error (nginx: 502, curl: HTTP/0.9 refused): run with --http";

    /// <summary>A WebSocket handshake whose upgrade a proxy dropped.</summary>
    public const string WebSocketUpgradeDropped =
        "the request carries Sec-WebSocket-Key without Upgrade: websocket, so the proxy dropped the upgrade (nginx: proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection \"upgrade\"; Apache: ProxyPass … upgrade=websocket)";

    /// <summary>A request framed with both <c>Content-Length</c> and <c>Transfer-Encoding</c>.</summary>
    public const string LengthWithChunked =
        "the request has both Content-Length and Transfer-Encoding, a request-smuggling shape no proxy should forward (Kestrel read the chunked body and ignored the length)";

    /// <summary>What fixes a missing client address, for the proxies that do not add one by default.</summary>
    public const string NoForwardedFor =
        "the proxy adds no client address (nginx: proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; HAProxy: option forwardfor; Apache, Caddy and YARP add it by default)";

    /// <summary>What fixes a missing scheme.</summary>
    public const string NoForwardedProto =
        "the proxy does not say the scheme (nginx: proxy_set_header X-Forwarded-Proto $scheme; HAProxy: http-request set-header X-Forwarded-Proto https if { ssl_fc }; Apache: RequestHeader set X-Forwarded-Proto https; Caddy adds it by default)";

    /// <summary>What fixes a Host the proxy rewrote to its upstream's name or address.</summary>
    public const string HostRewritten =
        "the proxy sends its upstream's name or address as Host (nginx: proxy_set_header Host $host; Apache: ProxyPreserveHost On; YARP: RequestHeaderOriginalHost true)";

    /// <summary>What fixes HTTP/1.0 towards the backend.</summary>
    public const string Http10 =
        "the proxy speaks HTTP/1.0 with Connection: close to its backend (nginx: proxy_http_version 1.1)";

    /// <summary>What explains a path whose prefix was stripped or kept.</summary>
    public const string PathPrefix =
        "the proxy strips or keeps the location's prefix (nginx: proxy_pass with a URI part, as in http://app/, replaces the location's prefix; without one the path is kept)";

    /// <summary>What fixes a route that did not carry a WebSocket.</summary>
    public const string NoWebSocket =
        "the proxy does not pass WebSocket upgrades (nginx: proxy_http_version 1.1 and proxy_set_header Upgrade/Connection; Apache: ProxyPass … upgrade=websocket; HAProxy and Caddy pass them by default)";

    /// <summary>What explains the HTTP version a proxy spoke to its backend.</summary>
    public const string HttpVersion =
        "the proxy chooses the HTTP version it speaks to its backend (HAProxy: proto h2 on the server line; Caddy: transport http { versions h2c 2 }; Apache: ProxyPass h2c://; nginx: proxy_http_version 1.1, no HTTP/2 to backends)";

    /// <summary>What explains a server name a re-encrypting proxy did not send, or sent as its upstream's.</summary>
    public const string ServerName =
        "the proxy sends no server name, or its upstream's, when it re-encrypts (nginx: proxy_ssl_server_name on, and proxy_ssl_name $host for the client's; HAProxy: sni req.hdr(host) on the server line; Caddy: transport http { tls_server_name <name> }; Apache: SSLProxyEngine on with ProxyPreserveHost On sends the client's Host)";
}
