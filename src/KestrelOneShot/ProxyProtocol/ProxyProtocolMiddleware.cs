using System.IO.Pipelines;

using KestrelOneShot.Connections;
using KestrelOneShot.Diagnosis;

using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace KestrelOneShot.ProxyProtocol;

/// <summary>
/// Kestrel connection middleware (<see cref="ListenOptionsProxyProtocolExtensions.UseProxyProtocol"/>):
/// reads the PROXY protocol header with the pipe, however it is split, leaves every byte after it in
/// the pipe, sets the parsed <see cref="ProxyHeader"/> as a connection feature and makes the original
/// client the connection's remote endpoint. A v2 LOCAL header (a health check) goes on marked as a
/// probe; silence is a probe and bad headers are rejected with one warning, and neither goes on.
/// </summary>
internal sealed class ProxyProtocolMiddleware(ConnectionDelegate next, ProxyProtocolMode mode, TimeSpan headerTimeout, TimeProvider time, ILogger logger)
{
    private enum HeaderRead
    {
        /// <summary>A header was read: pass the connection on as the original client's.</summary>
        Header,

        /// <summary>Optional mode, and the connection starts without a signature: pass it on as it is.</summary>
        Plain,

        /// <summary>The connection was dealt with here (probe, rejected, or the server is stopping).</summary>
        Done,
    }

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var (read, header, began) = await ReadHeaderAsync(connection);
        if (read == HeaderRead.Done)
        {
            return;
        }

        if (header is not null)
        {
            connection.Features.Set(header with { Hop = connection.RemoteEndPoint });
            if (header.Source is not null)
            {
                connection.RemoteEndPoint = header.Source;
            }
        }

        if (header is { Command: ProxyCommand.Local })
        {
            // The proxy's own health check. The specification has the receiver accept the
            // connection as it is: it goes on through the pipeline (a check-ssl check makes its TLS
            // handshake next), and whatever reads messages must treat it as the probe it is.
            connection.SetVerdict(ConnectionVerdict.HealthCheck, ConnectionStage.Proxy, "PROXY v2 LOCAL (a proxy's health check)", began);
            ProxyProtocolLog.HealthCheck(logger, connection.ConnectionId, connection.RemoteEndPoint);
        }

        await next(connection);
    }

    /// <summary>The header, if one was read, and for a v2 LOCAL header (a health check, for the report) its bytes named.</summary>
    private async Task<(HeaderRead Read, ProxyHeader? Header, FirstBytes? Began)> ReadHeaderAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var deadline = new ReadDeadline(connection, headerTimeout, time);
        var sawBytes = false;
        FirstBytes? began = null; // Named at the first read that left the header incomplete, for a read that then gives up.
        while (true)
        {
            var read = await FirstRead.ReadAsync(input, deadline, headerTimeout);
            if (!read.HasData)
            {
                return (read.End, sawBytes) switch
                {
                    (FirstReadEnd.Stopping, _) or (_, false) => NotAHeader(connection, read),
                    (FirstReadEnd.TimedOut, true) => Reject(connection, $"the PROXY header did not complete within {Duration.Format(headerTimeout)}", began),
                    _ => Reject(connection, $"reset inside the PROXY header: {read.ResetReason}", began),
                };
            }

            var result = read.Result;
            var buffer = result.Buffer;
            sawBytes = true;
            switch (ProxyHeaderParser.TryParse(buffer, out var header, out var consumed, out var error))
            {
                case ProxyParseStatus.Complete:
                    var local = header!.Command == ProxyCommand.Local ? FirstBytesClassifier.Classify(buffer) : null;
                    input.AdvanceTo(consumed);
                    return (HeaderRead.Header, header, local);
                case ProxyParseStatus.NoHeader when mode == ProxyProtocolMode.Optional:
                    input.AdvanceTo(buffer.Start); // Nothing consumed: the rest of the pipeline reads it all.
                    return (HeaderRead.Plain, null, null);
                case ProxyParseStatus.NoHeader:
                    var instead = FirstBytesClassifier.Classify(buffer);
                    input.AdvanceTo(buffer.End);
                    return Reject(connection, $"expected a PROXY protocol header, got {instead.Describe()}: {RouteHints.MissingProxyHeader(instead.Kind)}", instead);
                case ProxyParseStatus.Invalid:
                    var invalid = FirstBytesClassifier.Classify(buffer);
                    input.AdvanceTo(buffer.End);
                    return Reject(connection, error, invalid);
                case ProxyParseStatus.Incomplete when result.IsCompleted:
                    var cut = FirstBytesClassifier.Classify(buffer);
                    input.AdvanceTo(buffer.End);
                    return Reject(connection, "closed inside the PROXY header", cut);
                default:
                    began ??= FirstBytesClassifier.Classify(buffer);
                    input.AdvanceTo(buffer.Start, buffer.End);
                    break;
            }
        }
    }

    /// <summary>A connection that sent nothing is a health check (or the server is stopping): logged at debug level, closed.</summary>
    private (HeaderRead, ProxyHeader?, FirstBytes?) NotAHeader(ConnectionContext connection, FirstRead read)
    {
        connection.SetVerdict(read, ConnectionStage.Proxy);
        ProxyProtocolLog.NoHeader(logger, connection.ConnectionId, connection.RemoteEndPoint, read.Describe());
        return (HeaderRead.Done, null, null);
    }

    /// <summary>A bad header: one warning with the reason, closed, and the shot stays.</summary>
    private (HeaderRead, ProxyHeader?, FirstBytes?) Reject(ConnectionContext connection, string? reason, FirstBytes? began)
    {
        reason ??= "invalid PROXY header";
        connection.SetVerdict(ConnectionVerdict.Rejected, ConnectionStage.Proxy, reason, began);
        ProxyProtocolLog.HeaderRejected(logger, connection.ConnectionId, connection.RemoteEndPoint, reason);
        return (HeaderRead.Done, null, null);
    }
}
