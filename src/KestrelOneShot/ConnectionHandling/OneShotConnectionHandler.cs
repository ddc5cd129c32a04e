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
    private readonly int _maxMessageBytes;
    private readonly byte[] _response;
    private readonly TimeSpan _readTimeout;
    private readonly RouteExpectations? _expectations;

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
        var settings = options.Value;
        _maxMessageBytes = settings.MaxMessageBytes;
        _response = Encoding.UTF8.GetBytes(settings.Response);
        _readTimeout = settings.ReadTimeout;
        _expectations = RouteExpectations.From(settings);
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        if (connection.Features.Get<ConnectionVerdictFeature>() is { Verdict: ConnectionVerdict.Probe })
        {
            // Judged a probe before it got here (a proxy's health check): it never gets the shot,
            // and is held until it closes, since closing first could cut short the check's own
            // ending (a TLS check saw a failed handshake when the server closed at once).
            await DiscardInputAsync(connection, _readTimeout);
            return;
        }

        var input = connection.Transport.Input;
        var first = await ReadFirstAsync(connection);
        if (first is not { } result)
        {
            return;
        }

        var buffer = result.Buffer;
        if (buffer.IsEmpty)
        {
            input.AdvanceTo(buffer.End);
            connection.SetVerdict(ConnectionVerdict.Probe, ConnectionStage.Read, "closed without sending data");
            OneShotConnectionHandlerLog.ProbeClosedEmpty(_logger, connection.ConnectionId, connection.RemoteEndPoint);
            return;
        }

        if (!_run.TryTakeShot())
        {
            var began = FirstBytesClassifier.Classify(buffer);
            input.AdvanceTo(buffer.End);
            connection.SetVerdict(ConnectionVerdict.TurnedAway, ConnectionStage.Read, "every shot was already taken", began);
            OneShotConnectionHandlerLog.ShotAlreadyTaken(_logger, connection.ConnectionId, connection.RemoteEndPoint);
            return;
        }

        connection.SetVerdict(ConnectionVerdict.Served);
        var message = buffer.Slice(0, Math.Min(buffer.Length, _maxMessageBytes));
        var line = MessageLine.Format(message);
        var capped = buffer.Length > message.Length;
        var proxy = connection.Features.Get<ProxyHeader>();
        var tls = TlsFacts.From(connection.Features);
        var warning = proxy is null ? WarnOfAProxyHeaderInTheMessage(connection, message, tls is not null) : null;

        var expectations = CheckExpectations(connection, proxy, tls, line);
        // Kept for the report only: without one, the printed line is the exchange's one allocation.
        var served = _run.KeepsServedMessages
            ? new ServedMessage(line, message.ToArray(), message.Length, capped, connection.LocalEndPoint, connection.RemoteEndPoint, proxy, tls, expectations, warning)
            : null;
        try
        {
            await ServeAsync(connection, result, line, message.Length, capped, proxy, tls);
        }
        finally
        {
            _run.ShotServed(served, expectations.All(e => e.Met));
        }
    }

    /// <summary>What each <c>--expect-…</c> switch makes of the connection, one warning per unmet one; empty without any.</summary>
    private IReadOnlyList<ExpectationResult> CheckExpectations(ConnectionContext connection, ProxyHeader? proxy, TlsFacts? tls, string line)
    {
        if (_expectations is null)
        {
            return [];
        }

        var results = _expectations.Check(new ServedRoute(connection.RemoteEndPoint, proxy, tls, line[MessageLine.Prefix.Length..]));
        foreach (var unmet in results.Where(r => !r.Met))
        {
            ExpectationsLog.Unmet(_logger, connection.ConnectionId, connection.RemoteEndPoint, unmet.Name, unmet.Expected, unmet.Switch, unmet.Actual ?? "none");
        }

        return results;
    }

    /// <summary>
    /// A message that begins with a PROXY header is served as it came (it is the contract), but it
    /// means a proxy sends one that nobody reads: said once, with what to change; the warning, for
    /// the report, or null.
    /// </summary>
    private string? WarnOfAProxyHeaderInTheMessage(ConnectionContext connection, ReadOnlySequence<byte> message, bool insideTls)
    {
        // The first byte of either signature ('P' of v1, CR of v2): the served path pays one comparison.
        if (!new SequenceReader<byte>(message).TryPeek(out var first) || first is not ((byte)'P' or (byte)'\r')
            || FirstBytesClassifier.Classify(message) is not { Kind: FirstBytesKind.ProxyV1 or FirstBytesKind.ProxyV2 } began)
        {
            return null;
        }

        var hint = insideTls
            ? "the proxy sends its PROXY header inside TLS, where it is part of the message: it must come before the handshake (--proxy-protocol required reads it there)"
            : "the proxy sends a PROXY header and nothing reads it: run with --proxy-protocol required";
        OneShotConnectionHandlerLog.ProxyHeaderInMessage(_logger, connection.ConnectionId, connection.RemoteEndPoint, began.Describe(), hint);
        return $"the message served begins with {began.Describe()}: {hint}";
    }

    /// <summary>The first read, or null when the connection turned out to be a probe.</summary>
    private async ValueTask<ReadResult?> ReadFirstAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        ReadDeadline? deadline = null;
        try
        {
            // Usually the message is already in the pipe: then no deadline (and no token source) is needed.
            if (input.TryRead(out var ready))
            {
                return ready;
            }

            deadline = new ReadDeadline(connection, _readTimeout, _time);
            return await input.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline?.TimedOut == true)
        {
            connection.SetVerdict(ConnectionVerdict.Probe, ConnectionStage.Read, $"sent nothing within {Duration.Format(_readTimeout)}");
            OneShotConnectionHandlerLog.ProbeSentNothing(_logger, connection.ConnectionId, connection.RemoteEndPoint, _readTimeout);
        }
        catch (OperationCanceledException)
        {
            connection.SetVerdict(ConnectionVerdict.Stopped);
            OneShotConnectionHandlerLog.ClosedWhileStopping(_logger, connection.ConnectionId, connection.RemoteEndPoint);
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException)
        {
            connection.SetVerdict(ConnectionVerdict.Probe, ConnectionStage.Read, $"reset before sending data: {ex.Message}");
            OneShotConnectionHandlerLog.ProbeReset(_logger, connection.ConnectionId, connection.RemoteEndPoint, ex.Message);
        }
        finally
        {
            deadline?.Dispose();
        }

        return null;
    }

    private async Task ServeAsync(ConnectionContext connection, ReadResult first, string line, long bytes, bool capped, ProxyHeader? proxy, TlsFacts? tls)
    {
        var input = connection.Transport.Input;
        // Queued for stdout's one writer: a reader of stdout that stops reading holds up the
        // answers only once the queue is full, and blocks no thread.
        await _stdout.WriteLineAsync(line);
        OneShotConnectionHandlerLog.Served(_logger, connection.ConnectionId, connection.RemoteEndPoint, proxy?.Hop, tls, bytes, capped);

        input.AdvanceTo(first.Buffer.End);

        try
        {
            // Not ConnectionClosed: it fires on the client's FIN, and a client that half-closed still reads.
            await connection.Transport.Output.WriteAsync(_response, ReadDeadline.Closing(connection));
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
