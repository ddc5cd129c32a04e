using System.IO.Pipelines;
using System.Net;

using KestrelOneShot.ConnectionHandling;
using KestrelOneShot.Hosting;

using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.ProxyProtocol;

/// <summary>
/// Kestrel connection middleware, ahead of the handler: reads the PROXY protocol header with the
/// pipe, however it is split, leaves every byte after it in the pipe, sets the parsed
/// <see cref="ProxyHeader"/> as a connection feature and makes the original client the
/// connection's remote endpoint. Health checks (v2 LOCAL) are probes; bad headers are closed
/// with one warning. Neither takes the shot.
/// </summary>
public sealed partial class ProxyProtocolMiddleware(
    OneShotRun run,
    IOptions<OneShotOptions> options,
    TimeProvider time,
    ILogger<ProxyProtocolMiddleware> logger)
{
    private readonly ProxyProtocolMode _mode = options.Value.ProxyProtocol;
    private readonly TimeSpan _readTimeout = Duration.Parse(options.Value.ReadTimeout);

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var header = await ReadHeaderAsync(connection);
        if (header is null)
        {
            return;
        }

        if (header.Command == ProxyCommand.Local)
        {
            run.ProbeSeen();
            LogHealthCheck(logger, connection.ConnectionId, connection.RemoteEndPoint);
            return;
        }

        if (header.Version > 0)
        {
            connection.Features.Set(header with { Hop = connection.RemoteEndPoint });
            if (header.Source is not null)
            {
                connection.RemoteEndPoint = header.Source;
            }
        }

        await next(connection);
    }

    /// <summary>The header; <see cref="PlainConnection"/> for a plain connection in optional mode; null when the connection is done.</summary>
    private async Task<ProxyHeader?> ReadHeaderAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var deadline = new ReadDeadline(connection, _readTimeout, time);
        var sawBytes = false;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.TimedOut)
            {
                return sawBytes ? Reject(connection, $"the PROXY header did not complete within {_readTimeout}") : Probe(connection, "sent nothing in time");
            }
            catch (OperationCanceledException)
            {
                return null; // The server is stopping.
            }
            catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException)
            {
                return sawBytes ? Reject(connection, $"reset inside the PROXY header: {ex.Message}") : Probe(connection, $"reset before sending data ({ex.Message})");
            }

            var buffer = result.Buffer;
            sawBytes = !buffer.IsEmpty;
            switch (ProxyHeaderParser.TryParse(buffer, out var header, out var consumed, out var error))
            {
                case ProxyParseStatus.Complete:
                    input.AdvanceTo(consumed);
                    return header;
                case ProxyParseStatus.NoHeader when _mode == ProxyProtocolMode.Optional:
                    input.AdvanceTo(buffer.Start); // Nothing consumed: the handler reads it all.
                    return PlainConnection;
                case ProxyParseStatus.NoHeader:
                    input.AdvanceTo(buffer.End);
                    return Reject(connection, "no PROXY protocol header, and one is required");
                case ProxyParseStatus.Invalid:
                    input.AdvanceTo(buffer.End);
                    return Reject(connection, error);
                case ProxyParseStatus.Incomplete when result.IsCompleted:
                    input.AdvanceTo(buffer.End);
                    return sawBytes ? Reject(connection, "closed inside the PROXY header") : Probe(connection, "closed without sending data");
                default:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    break;
            }
        }
    }

    /// <summary>Stands for "no header" in optional mode; never set on a connection.</summary>
    private static ProxyHeader PlainConnection { get; } = new(0, ProxyCommand.Proxy, null, null, []);

    /// <summary>A connection that sent nothing is a probe: logged at debug level, counted, closed.</summary>
    private ProxyHeader? Probe(ConnectionContext connection, string how)
    {
        run.ProbeSeen();
        LogProbe(logger, connection.ConnectionId, connection.RemoteEndPoint, how);
        return null;
    }

    /// <summary>A bad header: one warning with the reason, closed, and the shot stays.</summary>
    private ProxyHeader? Reject(ConnectionContext connection, string? reason)
    {
        LogRejected(logger, connection.ConnectionId, connection.RemoteEndPoint, reason ?? "invalid PROXY header");
        return null;
    }

    [LoggerMessage(1, LogLevel.Debug, "Probe {ConnectionId} from {Remote}: PROXY v2 LOCAL (a proxy's health check); closed")]
    private static partial void LogHealthCheck(ILogger logger, string connectionId, EndPoint? remote);

    [LoggerMessage(2, LogLevel.Debug, "Probe {ConnectionId} from {Remote} {How}; closed")]
    private static partial void LogProbe(ILogger logger, string connectionId, EndPoint? remote, string how);

    [LoggerMessage(3, LogLevel.Warning, "Connection {ConnectionId} from {Remote} closed: {Reason}")]
    private static partial void LogRejected(ILogger logger, string connectionId, EndPoint? remote, string reason);
}
