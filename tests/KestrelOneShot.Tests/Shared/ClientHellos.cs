using System.Net.Security;

namespace KestrelOneShot.Tests;

/// <summary>Real ClientHellos, as .NET's own TLS client sends them.</summary>
internal static class ClientHellos
{
    /// <summary>The bytes .NET's own TLS client sends first, captured before any answer.</summary>
    public static async Task<byte[]> CaptureAsync(string sni, List<string> alpn)
    {
        var capture = new FirstWriteStream();
        using var tls = new SslStream(capture);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = sni,
            ApplicationProtocols = [.. alpn.Select(p => new SslApplicationProtocol(p))],
        };
        await Assert.ThrowsAnyAsync<Exception>(() => tls.AuthenticateAsClientAsync(options, TestContext.Current.CancellationToken)).Within();
        return capture.Written;
    }

    /// <summary>Keeps what is written, and ends the handshake at its first read.</summary>
    private sealed class FirstWriteStream : Stream
    {
        private readonly MemoryStream _written = new();

        public byte[] Written => _written.ToArray();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("no server here");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => throw new IOException("no server here");

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _written.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _written.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
    }
}
