namespace KestrelOneShot.InMemory.Internal;

/// <summary>
/// Says why HTTP/2 with prior knowledge failed in cleartext: Kestrel speaks it there only on an
/// endpoint whose protocols are HTTP/2 alone; an HTTP/1.1-and-HTTP/2 endpoint answers the HTTP/2
/// preface as HTTP/1.1, which the client reports only as a protocol error.
/// </summary>
internal sealed class CleartextHttp2Hint(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException failure) when (IsCleartextPriorKnowledge(request) && failure.HttpRequestError != HttpRequestError.ConnectionError)
        {
            throw new HttpRequestException(
                failure.HttpRequestError,
                $"HTTP/2 with prior knowledge to {request.RequestUri?.GetLeftPart(UriPartial.Authority)} failed ({failure.Message}): Kestrel serves HTTP/2 in cleartext only on an endpoint whose Protocols is Http2; an Http1AndHttp2 endpoint offers HTTP/2 only through TLS with ALPN.",
                failure);
        }
    }

    private static bool IsCleartextPriorKnowledge(HttpRequestMessage request) =>
        request.Version.Major >= 2
        && request.VersionPolicy != HttpVersionPolicy.RequestVersionOrLower
        && request.RequestUri is { Scheme: "http" };
}
