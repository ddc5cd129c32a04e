using System.Buffers;

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
        var read = await FirstRead.ReadAsync(connection, readTimeout, time);
        if (!read.HasData)
        {
            connection.SetVerdict(read, ConnectionStage.Tls);
            return;
        }

        var buffer = read.Result.Buffer;
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
        var reason = $"expected a TLS ClientHello, got {began.Describe()}: {RouteHints.NotTls(began.Kind)}";
        connection.SetVerdict(ConnectionVerdict.Rejected, ConnectionStage.Tls, reason, began);
        TlsLog.NotTls(logger, connection.ConnectionId, connection.RemoteEndPoint, reason);
    }
}
