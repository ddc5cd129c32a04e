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
            connection.SetVerdict(ConnectionVerdict.Probe, ConnectionStage.Proxy, "PROXY v2 LOCAL (a proxy's health check)", began);
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
            ReadResult result;
            try
            {
                result = await input.ReadAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.TimedOut)
            {
                return sawBytes ? Reject(connection, $"the PROXY header did not complete within {Duration.Format(headerTimeout)}", began) : Probe(connection, "sent nothing in time");
            }
            catch (OperationCanceledException)
            {
                connection.SetVerdict(ConnectionVerdict.Stopped);
                return (HeaderRead.Done, null, null);
            }
            catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException)
            {
                return sawBytes ? Reject(connection, $"reset inside the PROXY header: {ex.Message}", began) : Probe(connection, $"reset before sending data ({ex.Message})");
            }

            var buffer = result.Buffer;
            sawBytes = !buffer.IsEmpty;
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
                    return Reject(connection, $"expected a PROXY protocol header, got {instead.Describe()}: {MissingHeaderHint(instead.Kind)}", instead);
                case ProxyParseStatus.Invalid:
                    var invalid = FirstBytesClassifier.Classify(buffer);
                    input.AdvanceTo(buffer.End);
                    return Reject(connection, error, invalid);
                case ProxyParseStatus.Incomplete when result.IsCompleted:
                    var cut = FirstBytesClassifier.Classify(buffer);
                    input.AdvanceTo(buffer.End);
                    return sawBytes ? Reject(connection, "closed inside the PROXY header", cut) : Probe(connection, "closed without sending data");
                default:
                    began ??= sawBytes ? FirstBytesClassifier.Classify(buffer) : null;
                    input.AdvanceTo(buffer.Start, buffer.End);
                    break;
            }
        }
    }

    /// <summary>What an operator most likely got wrong, from what arrived instead of a header.</summary>
    private static string MissingHeaderHint(FirstBytesKind kind) => kind switch
    {
        FirstBytesKind.TlsClientHello => "the proxy sends no PROXY header, or sends it inside TLS",
        FirstBytesKind.Http1Request => "a proxy in HTTP mode or an HTTP health check sends no PROXY header",
        FirstBytesKind.Http2Preface => "an HTTP/2 client or proxy sends no PROXY header",
        FirstBytesKind.SshBanner => "an SSH client reached this port",
        _ => "the proxy sends no PROXY header (send-proxy / proxy_protocol on)",
    };

    /// <summary>A connection that sent nothing is a probe: logged at debug level, closed.</summary>
    private (HeaderRead, ProxyHeader?, FirstBytes?) Probe(ConnectionContext connection, string how)
    {
        connection.SetVerdict(ConnectionVerdict.Probe, ConnectionStage.Proxy, how);
        ProxyProtocolLog.Probe(logger, connection.ConnectionId, connection.RemoteEndPoint, how);
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
