using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

using KestrelOneShot.Configuration;
using KestrelOneShot.ConnectionHandling;
using KestrelOneShot.Connections;
using KestrelOneShot.Diagnosis;
using KestrelOneShot.Expectations;
using KestrelOneShot.Output;
using KestrelOneShot.ProxyProtocol;
using KestrelOneShot.Run;
using KestrelOneShot.Tls;

using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Http;

/// <summary>
/// The one-shot as an HTTP application, straight on Kestrel's request features (no request pipeline
/// to build: a one-shot serves one request). Health checks (<c>OPTIONS</c>, <c>HEAD</c>, a GET of a
/// <c>--health-path</c>) are answered 200 and recorded; the first other request takes the shot: its
/// body (or, without one, its method and target) is the message, the answer closes the connection;
/// a WebSocket request takes it as a WebSocket. Requests after the last shot get 503.
/// </summary>
internal sealed class OneShotHttpApplication : IHttpApplication<IFeatureCollection>
{
    /// <summary>The longest header value the report and the warnings carry.</summary>
    internal const int MaxHeaderValue = 256;

    private const string WebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private readonly OneShotRun _run;
    private readonly QueuedLineWriter _stdout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ShotSettings _shot;
    private readonly IReadOnlyList<string> _healthPaths;

    public OneShotHttpApplication(OneShotRun run, QueuedLineWriter stdout, IOptions<OneShotOptions> options, TimeProvider time, ILogger<OneShotHttpApplication> logger)
    {
        _run = run;
        _stdout = stdout;
        _time = time;
        _logger = logger;
        var settings = options.Value;
        _shot = ShotSettings.From(settings);
        _healthPaths = settings.HealthPath;
    }

    public IFeatureCollection CreateContext(IFeatureCollection contextFeatures) => contextFeatures;

    public void DisposeContext(IFeatureCollection context, Exception? exception)
    {
    }

    public async Task ProcessRequestAsync(IFeatureCollection features)
    {
        var request = features.GetRequiredFeature<IHttpRequestFeature>();
        var connection = features.GetRequiredFeature<IHttpConnectionFeature>();
        var verdict = features.Get<ConnectionVerdictFeature>();
        if (verdict is { Verdict: not ConnectionVerdict.Served })
        {
            verdict.Verdict = ConnectionVerdict.Answered; // Each request is recorded on its own below.
        }

        var requestLine = $"{request.Method} {request.RawTarget} {request.Protocol}";
        if (IsHealthCheck(request))
        {
            Record(features, ConnectionVerdict.HealthCheck, $"HTTP health check ({requestLine}), answered 200");
            HttpLog.HealthCheck(_logger, requestLine, connection.ConnectionId, RemoteOf(features));
            await AnswerAsync(features, StatusCodes.Status200OK, ReadOnlyMemory<byte>.Empty, close: false);
            return;
        }

        // The body is read before the shot is taken: a request whose body never arrives whole is
        // turned away, and the shot stays for a client that sends one.
        var webSocket = IsWebSocket(features, request);
        (byte[] Bytes, bool Capped)? body = null;
        if (!webSocket && (body = await TryReadBodyAsync(features, requestLine)) is null)
        {
            return;
        }

        if (!_run.TryTakeShot())
        {
            Record(features, ConnectionVerdict.Latecomer, $"every shot was already taken ({requestLine}), answered 503");
            HttpLog.Latecomer(_logger, requestLine, connection.ConnectionId, RemoteOf(features));
            await AnswerAsync(features, StatusCodes.Status503ServiceUnavailable, ReadOnlyMemory<byte>.Empty, close: true);
            return;
        }

        verdict?.Verdict = ConnectionVerdict.Served;
        ServedMessage? served = null;
        var met = true;
        try
        {
            (served, met) = await ServeAsync(features, request, body);
        }
        finally
        {
            _run.ShotServed(served, met);
        }
    }

    private bool IsHealthCheck(IHttpRequestFeature request) =>
        HttpMethods.IsOptions(request.Method) || HttpMethods.IsHead(request.Method)
        || (HttpMethods.IsGet(request.Method) && !IsWebSocketRequest(request.Headers) && _healthPaths.Contains(request.Path, StringComparer.Ordinal));

    private static bool IsWebSocketRequest(IHeaderDictionary headers) =>
        string.Equals(headers.Upgrade, "websocket", StringComparison.OrdinalIgnoreCase);

    /// <summary>An HTTP/1.1 upgrade to websocket, or an HTTP/2 extended CONNECT for it.</summary>
    private static bool IsWebSocket(IFeatureCollection features, IHttpRequestFeature request) =>
        (features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } && IsWebSocketRequest(request.Headers))
        || (features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true, Protocol: var protocol } && string.Equals(protocol, "websocket", StringComparison.OrdinalIgnoreCase));

    /// <param name="read">The body already read; null for a WebSocket, whose first message is read here.</param>
    private async Task<(ServedMessage? Served, bool Met)> ServeAsync(IFeatureCollection features, IHttpRequestFeature request, (byte[] Bytes, bool Capped)? read)
    {
        WebSocket? socket = null;
        var webSocket = read is null;
        if (webSocket)
        {
            socket = await AcceptWebSocketAsync(features, request, features.Get<IHttpUpgradeFeature>(), features.Get<IHttpExtendedConnectFeature>());
            read = await ReadFirstWebSocketMessageAsync(socket);
        }

        var (body, capped) = read!.Value;

        var facts = Describe(features, request, body.Length, capped, webSocket);
        var text = body.Length > 0 ? MessageLine.Format(new ReadOnlySequence<byte>(body)) : MessageLine.Format(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes($"{facts.Method} {facts.Target}")));
        var connectionId = features.GetRequiredFeature<IHttpConnectionFeature>().ConnectionId;
        var remote = RemoteOf(features);
        var proxy = features.Get<ProxyHeader>();
        var tls = TlsFacts.From(features);
        var warning = Warn(facts, connectionId, remote);
        var expectations = _shot.Expectations?.Check(new ServedRoute(remote, proxy, tls, text, facts), _logger, connectionId, remote) ?? [];

        await _stdout.WriteMessageAsync(text);
        HttpLog.Served(_logger, facts.RequestLine, connectionId, remote, proxy?.Hop is { } hop ? $" via proxy {hop}" : "", body.Length, capped ? " (capped; the rest is discarded)" : "");
        if (socket is not null)
        {
            await AnswerWebSocketAsync(socket, connectionId, remote);
        }
        else
        {
            await AnswerAsync(features, StatusCodes.Status200OK, _shot.Response, close: true);
        }

        var local = LocalOf(features);
        var served = _run.KeepsServedMessages
            ? new ServedMessage(text, body, body.Length, capped, local, remote, proxy, tls, expectations, warning, facts)
            : null;
        return (served, expectations.All(e => e.Met));
    }

    /// <summary>What looked wrong about a request though it is served: one warning each, joined for the report; null when nothing did.</summary>
    private string? Warn(HttpRequestFacts facts, string connectionId, EndPoint? remote)
    {
        List<string> warnings = [];
        if (!facts.WebSocket && facts.Header("Sec-WebSocket-Key") is not null)
        {
            warnings.Add(RouteHints.WebSocketUpgradeDropped);
        }

        // Kestrel reads the chunked body and renames the length it ignored to X-Content-Length.
        if (facts.Header("Transfer-Encoding") is not null && (facts.Header("Content-Length") ?? facts.Header("X-Content-Length")) is not null)
        {
            warnings.Add(RouteHints.LengthWithChunked);
        }

        foreach (var warning in warnings)
        {
            HttpLog.ServedWithWarning(_logger, facts.RequestLine, connectionId, remote, warning);
        }

        return warnings.Count == 0 ? null : string.Join("; ", warnings);
    }

    private static HttpRequestFacts Describe(IFeatureCollection features, IHttpRequestFeature request, long bodyBytes, bool capped, bool webSocket)
    {
        var headers = request.Headers;
        var version = request.Protocol switch
        {
            "HTTP/1.0" => "1.0",
            "HTTP/1.1" => "1.1",
            "HTTP/2" => "2",
            var other => other,
        };
        var choice = version == "2"
            ? features.Get<ITlsHandshakeFeature>() is not null ? HttpVersionChoice.Alpn : HttpVersionChoice.PriorKnowledge
            : TlsFacts.From(features) is { Alpn: not null } ? HttpVersionChoice.Alpn : HttpVersionChoice.Http1;
        List<ReceivedHeader> received = [];
        foreach (var (name, values) in headers)
        {
            foreach (var value in values)
            {
                received.Add(new ReceivedHeader(name, Capped(value ?? "")));
            }
        }

        return new HttpRequestFacts(
            request.Method,
            request.RawTarget,
            version,
            choice,
            headers.Host.Count > 0 ? headers.Host.ToString() : null,
            received,
            bodyBytes,
            capped,
            ForwardingChain.From(name => headers[name].OfType<string>()),
            webSocket);
    }

    private static string Capped(string value) => value.Length <= MaxHeaderValue ? value : value[..MaxHeaderValue] + "…";

    /// <summary>
    /// The first <c>--max-bytes</c> of the body and whether there was more; null when it could not be
    /// read (malformed framing, cut short, too slow), which is recorded and answered here.
    /// </summary>
    private async Task<(byte[] Bytes, bool Capped)?> TryReadBodyAsync(IFeatureCollection features, string requestLine)
    {
        try
        {
            return await ReadBodyAsync(features);
        }
        catch (BadHttpRequestException ex)
        {
            Record(features, ConnectionVerdict.Rejected, $"the request body could not be read ({requestLine}): {ex.Message}");
            await AnswerAsync(features, StatusCodes.Status400BadRequest, ReadOnlyMemory<byte>.Empty, close: true);
        }
        catch (OperationCanceledException)
        {
            Record(features, ConnectionVerdict.Rejected, $"the request body did not arrive within {Duration.Format(_shot.ReadTimeout)} ({requestLine})");
            await AnswerAsync(features, StatusCodes.Status408RequestTimeout, ReadOnlyMemory<byte>.Empty, close: true);
        }
        catch (Exception ex) when (ex is IOException or Microsoft.AspNetCore.Connections.ConnectionResetException or Microsoft.AspNetCore.Connections.ConnectionAbortedException)
        {
            Record(features, ConnectionVerdict.Rejected, $"reset inside the request body ({requestLine}): {ex.Message}");
        }

        return null;
    }

    private async Task<(byte[] Bytes, bool Capped)> ReadBodyAsync(IFeatureCollection features)
    {
        var reader = features.GetRequiredFeature<IRequestBodyPipeFeature>().Reader;
        using var timeout = Deadline();
        while (true)
        {
            var result = await reader.ReadAsync(timeout.Token);
            var buffer = result.Buffer;
            if (buffer.Length > _shot.MaxMessageBytes || result.IsCompleted)
            {
                var body = buffer.Slice(0, Math.Min(buffer.Length, _shot.MaxMessageBytes)).ToArray();
                var capped = buffer.Length > _shot.MaxMessageBytes;
                reader.AdvanceTo(buffer.End);
                return (body, capped);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private CancellationTokenSource Deadline() =>
        _shot.ReadTimeout > TimeSpan.Zero ? new CancellationTokenSource(_shot.ReadTimeout, _time) : new CancellationTokenSource();

    private static async Task<WebSocket> AcceptWebSocketAsync(IFeatureCollection features, IHttpRequestFeature request, IHttpUpgradeFeature? upgrade, IHttpExtendedConnectFeature? extendedConnect)
    {
        Stream stream;
        if (extendedConnect is { IsExtendedConnect: true })
        {
            stream = await extendedConnect.AcceptAsync();
        }
        else
        {
            var response = features.GetRequiredFeature<IHttpResponseFeature>();
            response.Headers.Upgrade = "websocket";
            // RFC 6455 fixes SHA-1 for the accept key: a checksum of the handshake, not a security measure.
#pragma warning disable CA5350
            response.Headers.SecWebSocketAccept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(request.Headers.SecWebSocketKey.ToString().Trim() + WebSocketGuid)));
#pragma warning restore CA5350
            stream = await upgrade!.UpgradeAsync();
        }

        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = Timeout.InfiniteTimeSpan });
    }

    /// <summary>The first message, capped as a body is; empty when the client closes first.</summary>
    private async Task<(byte[] Body, bool Capped)> ReadFirstWebSocketMessageAsync(WebSocket socket)
    {
        var buffer = new byte[_shot.MaxMessageBytes + 1];
        var length = 0;
        using var timeout = Deadline();
        try
        {
            while (length < buffer.Length)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                length += result.Count;
                if (result.EndOfMessage)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // Nothing (more) came: the message is what arrived.
        }

        return (buffer[..Math.Min(length, _shot.MaxMessageBytes)], length > _shot.MaxMessageBytes);
    }

    private async Task AnswerWebSocketAsync(WebSocket socket, string connectionId, EndPoint? remote)
    {
        using var timeout = Deadline();
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                await socket.SendAsync(_shot.Response, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
                // The client's close answers ours; past a capped message, frames may come first.
                while (socket.State == WebSocketState.CloseSent)
                {
                    await socket.ReceiveAsync(new byte[4096], timeout.Token);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            HttpLog.WebSocketNotAnswered(_logger, connectionId, remote, ex.Message);
        }
        finally
        {
            socket.Dispose();
        }
    }

    private async Task AnswerAsync(IFeatureCollection features, int status, ReadOnlyMemory<byte> body, bool close)
    {
        var response = features.GetRequiredFeature<IHttpResponseFeature>();
        var request = features.GetRequiredFeature<IHttpRequestFeature>();
        response.StatusCode = status;
        response.Headers.ContentLength = body.Length;
        if (body.Length > 0)
        {
            response.Headers.ContentType = "text/plain; charset=utf-8";
        }

        if (close)
        {
            if (request.Protocol != "HTTP/2")
            {
                response.Headers.Connection = "close";
            }

            // HTTP/2: a GOAWAY once this stream is done (HTTP/1.x: the connection ends after this response).
            features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
        }

        var responseBody = features.GetRequiredFeature<IHttpResponseBodyFeature>();
        if (!HttpMethods.IsHead(request.Method) && body.Length > 0)
        {
            await responseBody.Writer.WriteAsync(body);
        }

        await responseBody.CompleteAsync();
        if (close && request.Protocol == "HTTP/2")
        {
            // After a GOAWAY, Kestrel waits for the client to end the connection, and a client that
            // pools it (HttpClient) keeps it until it is idle; the one-shot gives it the same grace
            // as a raw answer's drain, then ends the connection itself, so the exit never waits on it.
            var lifetime = features.Get<IConnectionLifetimeFeature>();
            _ = Task.Delay(OneShotConnectionHandler.DrainTimeLimit, _time).ContinueWith(_ => lifetime?.Abort(), TaskScheduler.Default);
        }
    }

    /// <summary>Records a request that did not take the shot, as the report's <c>rejected</c> list tells it.</summary>
    private void Record(IFeatureCollection features, ConnectionVerdict verdict, string reason)
    {
        var request = features.GetRequiredFeature<IHttpRequestFeature>();
        var began = new FirstBytes(request.Protocol == "HTTP/2" ? FirstBytesKind.Http2Preface : FirstBytesKind.Http1Request, "")
        {
            Method = request.Method,
            Target = request.RawTarget,
            Host = request.Headers.Host.Count > 0 ? request.Headers.Host.ToString() : null,
            Detail = request.Protocol,
        };
        _run.Rejections.Record(new Rejection(
            verdict, ConnectionStage.Http, reason, began, LocalOf(features), features.Get<ProxyHeader>()?.Hop ?? RemoteOf(features), features.Get<ProxyHeader>()?.Source, _time.GetTimestamp()));
    }

    private static IPEndPoint? RemoteOf(IFeatureCollection features) =>
        features.GetRequiredFeature<IHttpConnectionFeature>() is { RemoteIpAddress: { } address, RemotePort: var port } ? new IPEndPoint(address, port) : null;

    private static IPEndPoint? LocalOf(IFeatureCollection features) =>
        features.GetRequiredFeature<IHttpConnectionFeature>() is { LocalIpAddress: { } address, LocalPort: var port } ? new IPEndPoint(address, port) : null;
}
