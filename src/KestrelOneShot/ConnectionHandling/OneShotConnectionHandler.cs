using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;

using KestrelOneShot.Hosting;
using KestrelOneShot.ProxyProtocol;

using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.ConnectionHandling;

/// <summary>
/// Serves the shot: the first connection that delivers data gets its first read (capped at
/// MaxMessageBytes) printed and answered; probes (no data) and latecomers are closed unanswered.
/// </summary>
public sealed partial class OneShotConnectionHandler : ConnectionHandler
{
    /// <summary>
    /// How long, and how much, unread input is discarded after the answer. Closing a socket with
    /// unread input sends RST, and the client may then lose the answer it has not read yet.
    /// </summary>
    internal static readonly TimeSpan DrainTimeLimit = TimeSpan.FromMilliseconds(500);

    internal const long DrainByteLimit = 64L * 1024 * 1024;

    private readonly OneShotRun _run;
    private readonly MessageOutput _output;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxMessageBytes;
    private readonly byte[] _response;
    private readonly TimeSpan _readTimeout;

    public OneShotConnectionHandler(
        OneShotRun run,
        MessageOutput output,
        IOptions<OneShotOptions> options,
        TimeProvider time,
        ILogger<OneShotConnectionHandler> logger)
    {
        _run = run;
        _output = output;
        _time = time;
        _logger = logger;
        var settings = options.Value;
        _maxMessageBytes = settings.MaxMessageBytes;
        _response = Encoding.UTF8.GetBytes(settings.Response);
        _readTimeout = Duration.Parse(settings.ReadTimeout);
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
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
            _run.ProbeSeen();
            Log.ProbeClosedEmpty(_logger, connection.ConnectionId, connection.RemoteEndPoint);
            return;
        }

        if (!_run.TryTakeShot())
        {
            input.AdvanceTo(buffer.End);
            Log.ShotAlreadyTaken(_logger, connection.ConnectionId, connection.RemoteEndPoint);
            return;
        }

        var message = buffer.Slice(0, Math.Min(buffer.Length, _maxMessageBytes));
        var line = MessageLine.Format(message);
        var capped = buffer.Length > message.Length;
        var proxy = connection.Features.Get<ProxyHeader>();
        // Kept for the report only: without one, the printed line is the exchange's one allocation.
        var served = _run.KeepsServedMessages
            ? new ServedMessage(line, message.ToArray(), message.Length, capped, connection.LocalEndPoint, connection.RemoteEndPoint, proxy)
            : null;
        try
        {
            await ServeAsync(connection, result, line, message.Length, capped, proxy);
        }
        finally
        {
            _run.ShotServed(served);
        }
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
            _run.ProbeSeen();
            Log.ProbeSentNothing(_logger, connection.ConnectionId, connection.RemoteEndPoint, _readTimeout);
        }
        catch (OperationCanceledException)
        {
            Log.ClosedWhileWaiting(_logger, connection.ConnectionId, connection.RemoteEndPoint);
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException)
        {
            _run.ProbeSeen();
            Log.ProbeReset(_logger, connection.ConnectionId, connection.RemoteEndPoint, ex.Message);
        }
        finally
        {
            deadline?.Dispose();
        }

        return null;
    }

    private async Task ServeAsync(ConnectionContext connection, ReadResult first, string line, long bytes, bool capped, ProxyHeader? proxy)
    {
        var input = connection.Transport.Input;
        _output.WriteLine(line);
        if (proxy?.Hop is { } hop)
        {
            Log.ServedThroughProxy(_logger, connection.ConnectionId, connection.RemoteEndPoint, hop, bytes, capped);
        }
        else
        {
            Log.Served(_logger, connection.ConnectionId, connection.RemoteEndPoint, bytes, capped);
        }

        input.AdvanceTo(first.Buffer.End);

        try
        {
            // Not ConnectionClosed: it fires on the client's FIN, and a client that half-closed still reads.
            await connection.Transport.Output.WriteAsync(_response, ReadDeadline.Closing(connection));
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException)
        {
            Log.AnswerNotSent(_logger, connection.ConnectionId, connection.RemoteEndPoint, ex.Message);
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
            Log.Drained(_logger, connection.ConnectionId, await DrainAsync(input));
        }
    }

    /// <summary>Reads and drops input until the peer's end of input, or the time or byte bound.</summary>
    private async Task<long> DrainAsync(PipeReader input)
    {
        using var bound = new CancellationTokenSource(DrainTimeLimit, _time);
        long drained = 0;
        try
        {
            while (drained < DrainByteLimit)
            {
                var result = await input.ReadAsync(bound.Token);
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
            // The bound was reached or the peer went away: either way there is nothing left to wait for.
        }

        return drained;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Served connection {ConnectionId} from {Remote}: {Bytes} bytes{Capped}")]
        private static partial void Served(ILogger logger, string connectionId, EndPoint? remote, long bytes, string capped);

        public static void Served(ILogger logger, string connectionId, EndPoint? remote, long bytes, bool capped) =>
            Served(logger, connectionId, remote, bytes, CappedNote(capped));

        [LoggerMessage(9, LogLevel.Information, "Served connection {ConnectionId} from {Remote} via proxy {Hop}: {Bytes} bytes{Capped}")]
        private static partial void ServedThroughProxy(ILogger logger, string connectionId, EndPoint? remote, EndPoint hop, long bytes, string capped);

        public static void ServedThroughProxy(ILogger logger, string connectionId, EndPoint? remote, EndPoint hop, long bytes, bool capped) =>
            ServedThroughProxy(logger, connectionId, remote, hop, bytes, CappedNote(capped));

        private static string CappedNote(bool capped) => capped ? " (capped; the rest is discarded)" : "";

        [LoggerMessage(2, LogLevel.Debug, "Probe {ConnectionId} from {Remote} closed without sending data")]
        public static partial void ProbeClosedEmpty(ILogger logger, string connectionId, EndPoint? remote);

        [LoggerMessage(3, LogLevel.Debug, "Probe {ConnectionId} from {Remote} sent nothing within {ReadTimeout}; closed")]
        public static partial void ProbeSentNothing(ILogger logger, string connectionId, EndPoint? remote, TimeSpan readTimeout);

        [LoggerMessage(4, LogLevel.Debug, "Probe {ConnectionId} from {Remote} reset before sending data: {Reason}")]
        public static partial void ProbeReset(ILogger logger, string connectionId, EndPoint? remote, string reason);

        [LoggerMessage(5, LogLevel.Debug, "Connection {ConnectionId} from {Remote} closed unanswered: the server is stopping")]
        public static partial void ClosedWhileWaiting(ILogger logger, string connectionId, EndPoint? remote);

        [LoggerMessage(6, LogLevel.Information, "Connection {ConnectionId} from {Remote} closed unanswered: the shot was already taken")]
        public static partial void ShotAlreadyTaken(ILogger logger, string connectionId, EndPoint? remote);

        [LoggerMessage(7, LogLevel.Warning, "Connection {ConnectionId} from {Remote} went away before the answer was sent: {Reason}")]
        public static partial void AnswerNotSent(ILogger logger, string connectionId, EndPoint? remote, string reason);

        [LoggerMessage(8, LogLevel.Debug, "Connection {ConnectionId}: discarded {Bytes} unread bytes before closing")]
        public static partial void Drained(ILogger logger, string connectionId, long bytes);
    }
}
