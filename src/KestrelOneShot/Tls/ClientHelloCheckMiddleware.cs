using System.Buffers;
using System.IO.Pipelines;

using KestrelOneShot.Connections;
using KestrelOneShot.Diagnosis;

using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Tls;

/// <summary>
/// Just before Kestrel's TLS middleware: looks at what the connection begins with, without consuming
/// it. A TLS record goes on to the handshake; anything else is turned away here with one warning
/// naming what it was (Kestrel's handshake would fail it without a word, as a probe). A connection
/// that sends nothing is a probe, as everywhere.
/// </summary>
internal sealed class ClientHelloCheckMiddleware(ConnectionDelegate next, TimeSpan readTimeout, TimeProvider time, ILogger logger)
{
    /// <summary>The content type of a TLS handshake record, the first byte of every ClientHello.</summary>
    private const byte HandshakeRecord = 0x16;

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        ReadResult result;
        using (var deadline = new ReadDeadline(connection, readTimeout, time))
        {
            try
            {
                result = await input.ReadAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.TimedOut)
            {
                connection.SetVerdict(ConnectionVerdict.Probe, ConnectionStage.Tls, $"sent nothing within {Duration.Format(readTimeout)}");
                return;
            }
            catch (OperationCanceledException)
            {
                connection.SetVerdict(ConnectionVerdict.Stopped);
                return;
            }
            catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException)
            {
                connection.SetVerdict(ConnectionVerdict.Probe, ConnectionStage.Tls, $"reset before sending data: {ex.Message}");
                return;
            }
        }

        var buffer = result.Buffer;
        if (buffer.IsEmpty)
        {
            input.AdvanceTo(buffer.End);
            connection.SetVerdict(ConnectionVerdict.Probe, ConnectionStage.Tls, "closed without sending data");
            return;
        }

        if (new SequenceReader<byte>(buffer).TryPeek(out var first) && first == HandshakeRecord)
        {
            // For the report, should the handshake fail: its SNI and ALPN offer name the client.
            connection.NoteFirstBytes(FirstBytesClassifier.Classify(buffer));
            // Nothing consumed or examined: the handshake's first read gets these bytes at once.
            input.AdvanceTo(buffer.Start);
            await next(connection);
            return;
        }

        var began = FirstBytesClassifier.Classify(buffer);
        input.AdvanceTo(buffer.End);
        var reason = $"expected a TLS ClientHello, got {began.Describe()}: {NotTlsHint(began.Kind)}";
        connection.SetVerdict(ConnectionVerdict.Rejected, ConnectionStage.Tls, reason, began);
        TlsLog.NotTls(logger, connection.ConnectionId, connection.RemoteEndPoint, reason);
    }

    /// <summary>What an operator most likely got wrong, from what arrived instead of a handshake.</summary>
    private static string NotTlsHint(FirstBytesKind kind) => kind switch
    {
        FirstBytesKind.Http1Request => "the proxy or client speaks plain HTTP to a TLS port (HAProxy: ssl on the server line; nginx: proxy_ssl on)",
        FirstBytesKind.Http2Preface => "an HTTP/2 client speaks cleartext (h2c) to a TLS port",
        FirstBytesKind.ProxyV1 or FirstBytesKind.ProxyV2 => "the proxy sends a PROXY header: run with --proxy-protocol required",
        FirstBytesKind.SshBanner => "an SSH client reached this port",
        _ => "the proxy or client does not re-encrypt (HAProxy: ssl on the server line; nginx: proxy_ssl on)",
    };
}
