using System.Net;

using KestrelOneShot.Configuration;
using KestrelOneShot.Diagnosis;
using KestrelOneShot.ProxyProtocol;
using KestrelOneShot.Tls;

using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Expectations;

/// <summary>One expectation's verdict on a served connection; <paramref name="Actual"/> is null when the connection had no such thing.</summary>
/// <param name="Hint">For an unmet one whose cause is a well-known proxy default, the directive that fixes it.</param>
internal sealed record ExpectationResult(string Name, string Switch, string Expected, string? Actual, bool Met, string? Hint = null);

/// <summary>What a served connection was, as far as the expectations look.</summary>
/// <param name="Client">The original client: the PROXY header's source, else the peer.</param>
/// <param name="Text">The message as printed, escapes included.</param>
/// <param name="Http">The request, on an HTTP endpoint.</param>
internal sealed record ServedRoute(EndPoint? Client, ProxyHeader? Proxy, TlsFacts? Tls, string Text, HttpRequestFacts? Http = null);

/// <summary>
/// The <c>--expect-…</c> switches: what every served connection must have been for the run to prove
/// the route. A served connection that falls short still got its answer; the run then ends with exit 5.
/// </summary>
internal sealed class RouteExpectations
{
    private readonly IReadOnlyList<Expectation> _expectations;

    private RouteExpectations(IReadOnlyList<Expectation> expectations) => _expectations = expectations;

    /// <summary>The expectations the options set; null when they set none, so the served path checks nothing.</summary>
    public static RouteExpectations? From(OneShotOptions options)
    {
        List<Expectation> expectations = [];
        if (options.ExpectClient is { } network)
        {
            expectations.Add(new("client", OneShotOption.ExpectClient.Switch, network.ToString(),
                r => ClientAddress(r.Client) is { } address ? (address.ToString(), network.Contains(address)) : (null, false)));
        }

        Add(expectations, "proxy", OneShotOption.ExpectProxy.Switch, options.ExpectProxy, r => r.Proxy is { } proxy ? $"v{proxy.Version}" : "none", StringComparison.Ordinal);
        Add(expectations, "sni", OneShotOption.ExpectSni.Switch, options.ExpectSni, r => r.Tls?.Sni, StringComparison.OrdinalIgnoreCase, (_, _) => RouteHints.ServerName);
        Add(expectations, "alpn", OneShotOption.ExpectAlpn.Switch, options.ExpectAlpn, r => r.Tls?.Alpn, StringComparison.Ordinal);
        Add(expectations, "tls-version", OneShotOption.ExpectTlsVersion.Switch, options.ExpectTlsVersion, r => r.Tls?.Protocol, StringComparison.Ordinal);
        if (options.ExpectClientCert is { } certificate)
        {
            // A SHA-256 fingerprint is 64 hex digits; anything else is a subject.
            var byFingerprint = certificate.Length == 64 && certificate.All(Uri.IsHexDigit);
            Add(expectations, "client-cert", OneShotOption.ExpectClientCert.Switch, certificate,
                r => byFingerprint ? r.Tls?.ClientCertificate?.Sha256 : r.Tls?.ClientCertificate?.Subject, StringComparison.OrdinalIgnoreCase);
        }

        Add(expectations, "authority", OneShotOption.ExpectAuthority.Switch, options.ExpectAuthority,
            r => r.Proxy is { } proxy ? ProxyTlvValues.Decode(proxy.Tlvs).Authority : null, StringComparison.OrdinalIgnoreCase);
        Add(expectations, "message", OneShotOption.ExpectMessage.Switch, options.ExpectMessage, r => r.Text, StringComparison.Ordinal);
        AddHttp(expectations, options);
        return expectations.Count == 0 ? null : new RouteExpectations(expectations);
    }

    /// <summary>What each expectation makes of <paramref name="route"/>, with one warning per unmet one.</summary>
    public IReadOnlyList<ExpectationResult> Check(ServedRoute route, ILogger logger, string connectionId, EndPoint? remote)
    {
        var results = Check(route);
        foreach (var unmet in results.Where(r => !r.Met))
        {
            ExpectationsLog.Unmet(logger, connectionId, remote, unmet);
        }

        return results;
    }

    public IReadOnlyList<ExpectationResult> Check(ServedRoute route)
    {
        var results = new ExpectationResult[_expectations.Count];
        for (var i = 0; i < results.Length; i++)
        {
            var expectation = _expectations[i];
            var (actual, met) = expectation.Evaluate(route);
            results[i] = new ExpectationResult(expectation.Name, expectation.Switch, expectation.Expected, actual, met, met ? null : expectation.Hint?.Invoke(route, actual));
        }

        return results;
    }

    private static void Add(
        List<Expectation> expectations, string name, string @switch, string? expected, Func<ServedRoute, string?> actual, StringComparison comparison, Func<ServedRoute, string?, string?>? hint = null)
    {
        if (expected is not null)
        {
            expectations.Add(new(name, @switch, expected, route =>
            {
                var value = actual(route);
                return (value, string.Equals(expected, value, comparison));
            }, hint));
        }
    }

    /// <summary>The HTTP expectations, each with the hint for the proxy default that most often breaks it.</summary>
    private static void AddHttp(List<Expectation> expectations, OneShotOptions options)
    {
        Add(expectations, "host", OneShotOption.ExpectHost.Switch, options.ExpectHost, r => r.Http?.Host, StringComparison.OrdinalIgnoreCase, (_, _) => RouteHints.HostRewritten);
        Add(expectations, "path", OneShotOption.ExpectPath.Switch, options.ExpectPath, r => r.Http?.Target, StringComparison.Ordinal, (_, _) => RouteHints.PathPrefix);
        Add(expectations, "method", OneShotOption.ExpectMethod.Switch, options.ExpectMethod, r => r.Http?.Method, StringComparison.Ordinal);
        Add(expectations, "http-version", OneShotOption.ExpectHttpVersion.Switch, options.ExpectHttpVersion, r => r.Http?.Version, StringComparison.Ordinal,
            (_, actual) => actual == "1.0" ? RouteHints.Http10 : RouteHints.HttpVersion);
        foreach (var header in options.ExpectHeader)
        {
            var colon = header.IndexOf(':');
            var name = colon < 0 ? header : header[..colon];
            var value = colon < 0 ? null : header[(colon + 1)..].Trim();
            expectations.Add(new($"header {name}", OneShotOption.ExpectHeader.Switch, value ?? "present", route =>
            {
                var values = route.Http?.HeaderValues(name).ToArray() ?? [];
                return (values.Length == 0 ? null : string.Join(", ", values), value is null ? values.Length > 0 : values.Contains(value, StringComparer.Ordinal));
            }));
        }

        foreach (var name in options.ExpectNoHeader)
        {
            expectations.Add(new($"no-header {name}", OneShotOption.ExpectNoHeader.Switch, "absent", route =>
            {
                var values = route.Http?.HeaderValues(name).ToArray() ?? [];
                return (values.Length == 0 ? "absent" : string.Join(", ", values), values.Length == 0);
            }));
        }

        if (options.ExpectForwardedFor is { } network)
        {
            expectations.Add(new("forwarded-for", OneShotOption.ExpectForwardedFor.Switch, network.ToString(), route =>
            {
                var entry = route.Http?.Forwarding.NearestClient;
                return (entry, ForwardingChain.Address(entry) is { } address && network.Contains(address));
            }, (_, actual) => actual is null ? RouteHints.NoForwardedFor : null));
        }

        Add(expectations, "forwarded-proto", OneShotOption.ExpectForwardedProto.Switch, options.ExpectForwardedProto, r => r.Http?.Forwarding.NearestProto, StringComparison.OrdinalIgnoreCase,
            (_, actual) => actual is null ? RouteHints.NoForwardedProto : null);
        if (options.ExpectWebSocket)
        {
            expectations.Add(new("websocket", OneShotOption.ExpectWebSocket.Switch, "websocket", route =>
                (route.Http is { WebSocket: true } ? "websocket" : route.Http is { } http ? http.RequestLine : null, route.Http is { WebSocket: true }),
                (route, _) => route.Http?.Header("Sec-WebSocket-Key") is not null ? RouteHints.WebSocketUpgradeDropped : RouteHints.NoWebSocket));
        }
    }

    // A dual-stack socket names an IPv4 client as ::ffff:a.b.c.d; the operator wrote a.b.c.d.
    private static IPAddress? ClientAddress(EndPoint? client) =>
        client is IPEndPoint { Address: var address } ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address) : null;

    private sealed record Expectation(
        string Name, string Switch, string Expected, Func<ServedRoute, (string? Actual, bool Met)> Evaluate, Func<ServedRoute, string?, string?>? Hint = null);
}
