using System.Net;


namespace KestrelOneShot.Tests.Scenarios;

/// <summary>The built app as a real process on a free port (<c>--port 0</c>), over real sockets.</summary>
public sealed class ProcessWorld : IOneShotWorld
{
    public async Task<IServerUnderTest> StartAsync(params string[] args)
    {
        var process = ServerProcess.Start(["--port", "0", .. args]);
        return new Server(process, await process.ReadyOrExitAsync());
    }

    private sealed class Server(ServerProcess process, IReadOnlyList<IPEndPoint> endpoints) : IServerUnderTest
    {
        public IReadOnlyList<EndPoint> EndPoints { get; } = endpoints;

        public async Task<IClientUnderTest> ConnectAsync(EndPoint endpoint) => new Client(await SocketClient.ConnectAsync((IPEndPoint)endpoint));

        public async Task<RunEnd> ExitAsync()
        {
            var (exitCode, stdout) = await process.ExitAsync();
            return new RunEnd(exitCode, stdout, process.StderrLines);
        }

        public ValueTask DisposeAsync() => process.DisposeAsync();
    }

    private sealed class Client(SocketClient socket) : IClientUnderTest
    {
        public EndPoint LocalEndPoint => socket.Socket.LocalEndPoint!;

        public Task SendAsync(ReadOnlyMemory<byte> bytes) => socket.SendAsync(bytes);

        public Task EndOutputAsync()
        {
            socket.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            return Task.CompletedTask;
        }

        public Task<ClientAnswer> ReadToEndAsync() => socket.ReadToEndAsync();

        public Stream AsStream() => new System.Net.Sockets.NetworkStream(socket.Socket, ownsSocket: false);

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return default;
        }
    }
}
