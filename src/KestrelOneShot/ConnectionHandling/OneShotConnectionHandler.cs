using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;

using KestrelOneShot.Configuration;
using KestrelOneShot.Connections;
using KestrelOneShot.Diagnosis;
using KestrelOneShot.Expectations;
using KestrelOneShot.Output;
using KestrelOneShot.ProxyProtocol;
using KestrelOneShot.Run;
using KestrelOneShot.Tls;

using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.ConnectionHandling;

/// <summary>
/// Serves the shot: the first connection that delivers data gets its first read (capped at
/// MaxMessageBytes) printed and answered; probes (no data) and latecomers are closed unanswered.
/// </summary>
internal sealed class OneShotConnectionHandler : ConnectionHandler
{
    /// <summary>
    /// How long, and how much, unread input is discarded after the answer. Closing a socket with
    /// unread input sends RST, and the client may then lose the answer it has not read yet.
    /// </summary>
    internal static readonly TimeSpan DrainTimeLimit = TimeSpan.FromMilliseconds(500);

    internal const long DrainByteLimit = 64L * 1024 * 1024;

    private readonly OneShotRun _run;
    private readonly QueuedLineWriter _stdout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ShotSettings _shot;

    public OneShotConnectionHandler(
        OneShotRun run,
        QueuedLineWriter stdout,
        IOptions<OneShotOptions> options,
        TimeProvider time,
        ILogger<OneShotConnectionHandler> logger)
    {
        _run = run;
        _stdout = stdout;
        _time = time;
        _logger = logger;
        _shot = ShotSettings.From(options.Value);
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        if (connection.Features.Get<ConnectionVerdictFeature>() is { Verdict: ConnectionVerdict.HealthCheck })
        {
            // Judged a probe before it got here (a proxy's health check): it never gets the shot,
            // and is held until it closes, since closing first could cut short the check's own
            // ending (a TLS check saw a failed handshake when the server closed at once).
            await DiscardInputAsync(connection, _shot.ReadTimeout);
            return;
        }

        var input = connection.Transport.Input;
        var first = await FirstRead.ReadAsync(connection, _shot.ReadTimeout, _time);
        if (!first.HasData)
        {
            connection.SetVerdict(first, ConnectionStage.Read);
            if (first.End == FirstReadEnd.Stopping)
            {
                OneShotConnectionHandlerLog.ClosedWhileStopping(_logger, connection.ConnectionId, connection.RemoteEndPoint);
            }
            else
            {
                OneShotConnectionHandlerLog.HealthCheck(_logger, connection.ConnectionId, connection.RemoteEndPoint, first.Describe());
            }

            return;
        }

        var result = first.Result;
        var buffer = result.Buffer;
        if (!_run.TryTakeShot())
        {
            var began = FirstBytesClassifier.Classify(buffer);
            input.AdvanceTo(buffer.End);
            connection.SetVerdict(ConnectionVerdict.Latecomer, ConnectionStage.Read, "every shot was already taken", began);
            OneShotConnectionHandlerLog.Latecomer(_logger, connection.ConnectionId, connection.RemoteEndPoint);
            return;
        }

        connection.SetVerdict(ConnectionVerdict.Served);
        var message = buffer.Slice(0, Math.Min(buffer.Length, _shot.MaxMessageBytes));
        var text = MessageLine.Format(message);
        var capped = buffer.Length > message.Length;
        var proxy = connection.Features.Get<ProxyHeader>();
        var tls = TlsFacts.From(connection.Features);
        var warning = WarnOfWhatTheMessageIs(connection, message, proxy is not null, tls is not null);

        var expectations = CheckExpectations(connection, proxy, tls, text);
        // Kept for the report only: without one, the printed text is the exchange's one allocation.
        var served = _run.KeepsServedMessages
            ? new ServedMessage(text, message.ToArray(), message.Length, capped, connection.LocalEndPoint, connection.RemoteEndPoint, proxy, tls, expectations, warning)
            : null;
        try
        {
            await ServeAsync(connection, result, text, message.Length, capped, proxy, tls);
        }
        finally
        {
            _run.ShotServed(served, expectations.All(e => e.Met));
        }
    }

    /// <summary>What each <c>--expect-…</c> switch makes of the connection, one warning per unmet one; empty without any.</summary>
    private IReadOnlyList<ExpectationResult> CheckExpectations(ConnectionContext connection, ProxyHeader? proxy, TlsFacts? tls, string text)
    {
        if (_shot.Expectations is null)
        {
            return [];
        }

        return _shot.Expectations.Check(new ServedRoute(connection.RemoteEndPoint, proxy, tls, text), _logger, connection.ConnectionId, connection.RemoteEndPoint);
    }

    /// <summary>
    /// A message that begins with a PROXY header nobody read, or with an HTTP request, is served as it
    /// came (it is the contract), but it means the route is not what this endpoint serves: said once,
    /// with what to change; the warning, for the report, or null.
    /// </summary>
    private string? WarnOfWhatTheMessageIs(ConnectionContext connection, ReadOnlySequence<byte> message, bool proxyHeaderRead, bool insideTls)
    {
        // Named only when it can be one of them: a PROXY signature starts with 'P' (v1) or CR (v2), and an
        // HTTP request or the HTTP/2 preface says "HTTP/" in its first line. Any other message (the
        // tutorial's "Who is there?") pays a peek and a search of its first bytes, and allocates nothing.
        if (!new SequenceReader<byte>(message).TryPeek(out var first)
            || !((first is (byte)'P' or (byte)'\r' && !proxyHeaderRead) || message.FirstSpan.IndexOf("HTTP/"u8) >= 0))
        {
            return null;
        }

        var began = FirstBytesClassifier.Classify(message);
        var hint = began.Kind switch
        {
            FirstBytesKind.ProxyV1 or FirstBytesKind.ProxyV2 when !proxyHeaderRead => RouteHints.ProxyHeaderInMessage(insideTls),
            FirstBytesKind.Http1Request or FirstBytesKind.Http2Preface => RouteHints.HttpOnTcpEndpoint,
            _ => null,
        };
        if (hint is null)
        {
            return null;
        }

        OneShotConnectionHandlerLog.MessageIsNotRaw(_logger, connection.ConnectionId, connection.RemoteEndPoint, began.Describe(), hint);
        return $"the message served begins with {began.Describe()}: {hint}";
    }

    private async Task ServeAsync(ConnectionContext connection, ReadResult first, string text, long bytes, bool capped, ProxyHeader? proxy, TlsFacts? tls)
    {
        var input = connection.Transport.Input;
        // Queued for stdout's one writer: a reader of stdout that stops reading holds up the
        // answers only once the queue is full, and blocks no thread.
        await _stdout.WriteMessageAsync(text);
        OneShotConnectionHandlerLog.Served(_logger, connection.ConnectionId, connection.RemoteEndPoint, proxy?.Hop, tls, bytes, capped);

        input.AdvanceTo(first.Buffer.End);

        try
        {
            // Not ConnectionClosed: it fires on the client's FIN, and a client that half-closed still reads.
            await connection.Transport.Output.WriteAsync(_shot.Response, ReadDeadline.Closing(connection));
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException)
        {
            OneShotConnectionHandlerLog.AnswerNotSent(_logger, connection.ConnectionId, connection.RemoteEndPoint, ex.Message);
            return;
        }

        // Input that already arrived past the first read is unread input too.
        var unread = capped;
        var peerDone = first.IsCompleted;
        if (!peerDone && input.TryRead(out var more))
        {
            unread |= !more.Buffer.IsEmpty;
            peerDone = more.IsCompleted;
            input.AdvanceTo(more.Buffer.End);
        }

        if (unread && !peerDone)
        {
            OneShotConnectionHandlerLog.Drained(_logger, connection.ConnectionId, await DiscardInputAsync(connection, DrainTimeLimit));
        }

        try
        {
            await TlsFacts.CloseNotifyAsync(connection.Features);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The client went away first: there is nobody left to tell.
        }
    }

    /// <summary>
    /// Reads and drops input until the peer's end of input, <paramref name="timeLimit"/> (zero: none),
    /// the byte bound, or Kestrel asking the connection to close; returns how much was dropped.
    /// </summary>
    private async Task<long> DiscardInputAsync(ConnectionContext connection, TimeSpan timeLimit)
    {
        var input = connection.Transport.Input;
        using var deadline = new ReadDeadline(connection, timeLimit, _time);
        long drained = 0;
        try
        {
            while (drained < DrainByteLimit)
            {
                var result = await input.ReadAsync(deadline.Token);
                drained += result.Buffer.Length;
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ConnectionResetException or ConnectionAbortedException)
        {
            // A bound was reached or the peer went away: either way there is nothing left to wait for.
        }

        return drained;
    }
}
