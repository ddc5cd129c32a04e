namespace KestrelOneShot.Diagnosis;

/// <summary>How the HTTP version of a connection was chosen.</summary>
internal enum HttpVersionChoice
{
    /// <summary>An HTTP/1.x request line on a cleartext connection.</summary>
    Http1,

    /// <summary>The HTTP/2 connection preface without negotiation (h2c).</summary>
    PriorKnowledge,

    /// <summary>TLS ALPN agreed on it.</summary>
    Alpn,
}

/// <summary>One header as received, its value capped for the report and the warnings.</summary>
internal sealed record ReceivedHeader(string Name, string Value);

/// <summary>
/// An HTTP request as it reached the one-shot: what the expectations check, the hints look at and the
/// report tells. Filled by the HTTP application from Kestrel's request features.
/// </summary>
/// <param name="Target">The request target as received (path and query; <c>*</c> for <c>OPTIONS *</c>).</param>
/// <param name="Version"><c>1.0</c>, <c>1.1</c> or <c>2</c>.</param>
/// <param name="Host">The <c>Host</c> header, or <c>:authority</c> for HTTP/2; null when absent.</param>
/// <param name="Headers">Every header in the order Kestrel kept them (values capped).</param>
/// <param name="BodyBytes">How many body bytes were read (at most the cap, plus one to know it was capped).</param>
/// <param name="WebSocket">Whether the request became a WebSocket (an upgrade or an extended CONNECT).</param>
internal sealed record HttpRequestFacts(
    string Method,
    string Target,
    string Version,
    HttpVersionChoice Choice,
    string? Host,
    IReadOnlyList<ReceivedHeader> Headers,
    long BodyBytes,
    bool BodyCapped,
    ForwardingChain Forwarding,
    bool WebSocket)
{
    /// <summary>The first value of header <paramref name="name"/>, or null.</summary>
    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase))?.Value;

    /// <summary>Every value of header <paramref name="name"/>, in order.</summary>
    public IEnumerable<string> HeaderValues(string name) =>
        Headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

    /// <summary>How the request line reads: <c>GET /api/z HTTP/1.1</c>.</summary>
    public string RequestLine => $"{Method} {Target} HTTP/{Version}";
}
