using System.Buffers;
using System.Net;

using KestrelOneShot.InMemory;
using KestrelOneShot.Testing.Hosting;

using Microsoft.AspNetCore.Connections;

namespace KestrelOneShot.Tests.Scenarios;

/// <summary>The same host in memory, through <see cref="InMemoryOneShotServer"/>: no sockets.</summary>
public sealed class InMemoryWorld : IOneShotWorld
{
    private const string ReadyPrefix = "info: Listening on ";

    public async Task<IServerUnderTest> StartAsync(params string[] args) =>
        new Server(await InMemoryOneShotServer.StartAsync(args, TestContext.Current.CancellationToken).Within());

    private sealed class Server(InMemoryOneShotServer server) : IServerUnderTest
    {
        public IReadOnlyList<EndPoint> EndPoints => server.EndPoints;

        public async Task<IClientUnderTest> ConnectAsync(EndPoint endpoint) =>
            new Client(await server.ConnectAsync(endpoint, TestContext.Current.CancellationToken).Within());

        public async Task<RunEnd> ExitAsync()
        {
            var run = await server.Completion.Within();
            // Every in-memory scenario checks that Kestrel bound no socket: the endpoints of its ready
            // line are exactly the ones the in-memory transport had bound.
            if (run.Logs.FirstOrDefault(l => l.StartsWith(ReadyPrefix, StringComparison.Ordinal)) is { } ready)
            {
                Assert.Equal(string.Join(", ", EndPoints), ready[ReadyPrefix.Length..]);
            }

            return new RunEnd(run.ExitCode, run.Stdout, [.. run.Logs, .. run.Errors]);
        }

        public ValueTask DisposeAsync() => server.DisposeAsync();
    }

    private sealed class Client(InMemoryConnection connection) : IClientUnderTest
    {
        public EndPoint LocalEndPoint => connection.LocalEndPoint!;

        public async Task SendAsync(ReadOnlyMemory<byte> bytes) =>
            await connection.Transport.Output.WriteAsync(bytes, TestContext.Current.CancellationToken).AsTask().Within();

        public async Task EndOutputAsync() => await connection.Transport.Output.CompleteAsync();

        public async Task<ClientAnswer> ReadToEndAsync()
        {
            var input = connection.Transport.Input;
            var received = new ArrayBufferWriter<byte>();
            try
            {
                while (true)
                {
                    var result = await input.ReadAsync(TestContext.Current.CancellationToken).AsTask().Within();
                    foreach (var segment in result.Buffer)
                    {
                        received.Write(segment.Span);
                    }

                    input.AdvanceTo(result.Buffer.End);
                    if (result.IsCompleted)
                    {
                        return new ClientAnswer(received.WrittenSpan.ToArray(), Reset: false);
                    }
                }
            }
            catch (ConnectionResetException)
            {
                return new ClientAnswer(received.WrittenSpan.ToArray(), Reset: true);
            }
        }

        public Stream AsStream() => connection.AsStream();

        public ValueTask DisposeAsync() => connection.DisposeAsync();
    }
}
