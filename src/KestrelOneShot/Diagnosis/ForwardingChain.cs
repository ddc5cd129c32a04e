using System.Net;

namespace KestrelOneShot.Diagnosis;

/// <summary>One element of an RFC 7239 <c>Forwarded</c> header; each parameter null when absent.</summary>
internal sealed record ForwardedElement(string? For, string? By, string? Host, string? Proto);

/// <summary>
/// The forwarding headers of a request, parsed (never throws): who the proxies in front say the client
/// was, over which scheme, for which host, and through whom.
/// </summary>
/// <param name="ForwardedFor">Every <c>X-Forwarded-For</c> entry, across all such headers, in order.</param>
/// <param name="ForwardedProto">Every <c>X-Forwarded-Proto</c> entry, in order.</param>
/// <param name="ForwardedHost">Every <c>X-Forwarded-Host</c> entry, in order.</param>
/// <param name="Forwarded">Every <c>Forwarded</c> element, in order.</param>
/// <param name="Via">Every <c>Via</c> entry, in order.</param>
internal sealed record ForwardingChain(
    IReadOnlyList<string> ForwardedFor,
    IReadOnlyList<string> ForwardedProto,
    IReadOnlyList<string> ForwardedHost,
    IReadOnlyList<ForwardedElement> Forwarded,
    IReadOnlyList<string> Via)
{
    public static ForwardingChain None { get; } = new([], [], [], [], []);

    public bool IsEmpty => ForwardedFor.Count + ForwardedProto.Count + ForwardedHost.Count + Forwarded.Count + Via.Count == 0;

    /// <summary>
    /// The client address the nearest proxy added, as <c>ForwardedHeadersMiddleware</c> with
    /// <c>ForwardLimit = 1</c> reads it: the last <c>X-Forwarded-For</c> entry, else the last <c>for=</c>
    /// of <c>Forwarded</c>; null when neither is there.
    /// </summary>
    public string? NearestClient => ForwardedFor.Count > 0 ? ForwardedFor[^1] : NearestForwarded?.For;

    /// <summary>The scheme the nearest proxy was reached over: the last <c>X-Forwarded-Proto</c>, else the <c>proto=</c> of the <c>Forwarded</c> element that gave the client.</summary>
    public string? NearestProto => ForwardedProto.Count > 0 ? ForwardedProto[^1] : NearestForwarded?.Proto;

    private ForwardedElement? NearestForwarded => Forwarded.LastOrDefault(e => e.For is not null);

    /// <summary>Reads the chain from <paramref name="values"/>, which gives every value of a header by name.</summary>
    public static ForwardingChain From(Func<string, IEnumerable<string>> values)
    {
        var forwarded = values("Forwarded").SelectMany(SplitList).Select(ParseElement).ToArray();
        var chain = new ForwardingChain(
            [.. values("X-Forwarded-For").SelectMany(SplitList)],
            [.. values("X-Forwarded-Proto").SelectMany(SplitList)],
            [.. values("X-Forwarded-Host").SelectMany(SplitList)],
            forwarded,
            [.. values("Via").SelectMany(SplitList)]);
        return chain.IsEmpty ? None : chain;
    }

    /// <summary>
    /// The address in a forwarded client entry: <c>203.0.113.7</c>, <c>203.0.113.7:5000</c>,
    /// <c>[2001:db8::1]:80</c>, <c>"[2001:db8::1]"</c>; null for an obfuscated or unknown one.
    /// </summary>
    public static IPAddress? Address(string? entry)
    {
        if (entry is null)
        {
            return null;
        }

        var text = entry.Trim().Trim('"');
        if (IPAddress.TryParse(text, out var address) && (text.Contains(':') || text.Count(c => c == '.') == 3))
        {
            return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        }

        if (IPEndPoint.TryParse(text, out var endpoint) && (text.StartsWith('[') || text.Count(c => c == '.') == 3))
        {
            return endpoint.Address.IsIPv4MappedToIPv6 ? endpoint.Address.MapToIPv4() : endpoint.Address;
        }

        return text.StartsWith('[') && text.EndsWith(']') && IPAddress.TryParse(text[1..^1], out var bracketed) ? bracketed : null;
    }

    // Entries are separated by commas; a quoted string (RFC 7239) may hold one.
    private static IEnumerable<string> SplitList(string value)
    {
        var start = 0;
        var quoted = false;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '"')
            {
                quoted = !quoted;
            }
            else if (value[i] == ',' && !quoted)
            {
                if (value.AsSpan(start, i - start).Trim().Length > 0)
                {
                    yield return value[start..i].Trim();
                }

                start = i + 1;
            }
        }

        if (value.AsSpan(start).Trim().Length > 0)
        {
            yield return value[start..].Trim();
        }
    }

    private static ForwardedElement ParseElement(string element)
    {
        string? @for = null, by = null, host = null, proto = null;
        foreach (var pair in element.Split(';'))
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0)
            {
                continue;
            }

            var value = pair[(equals + 1)..].Trim().Trim('"');
            switch (pair[..equals].Trim().ToLowerInvariant())
            {
                case "for":
                    @for ??= value;
                    break;
                case "by":
                    by ??= value;
                    break;
                case "host":
                    host ??= value;
                    break;
                case "proto":
                    proto ??= value;
                    break;
            }
        }

        return new ForwardedElement(@for, by, host, proto);
    }
}
