using System.Globalization;
using System.Net;

using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

// bare-kestrel --port N: serves the first connection that sends data ("Good talking to you\n"), then exits.
var port = int.Parse(args[Array.IndexOf(args, "--port") + 1], CultureInfo.InvariantCulture);
var served = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
var answer = "Good talking to you\n"u8.ToArray();

var options = new KestrelServerOptions { ApplicationServices = NoServices.Instance };
options.Listen(IPAddress.Loopback, port, listen => listen.Run(async connection =>
{
    var first = await connection.Transport.Input.ReadAsync();
    connection.Transport.Input.AdvanceTo(first.Buffer.End);
    if (first.Buffer.IsEmpty)
    {
        return; // A probe.
    }

    await connection.Transport.Output.WriteAsync(answer);
    served.TrySetResult();
}));

using var server = new KestrelServer(
    Options.Create(options),
    new SocketTransportFactory(Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance),
    NullLoggerFactory.Instance);
await server.StartAsync(new NoHttpApplication(), CancellationToken.None);
await served.Task;
await server.StopAsync(CancellationToken.None);

internal sealed class NoServices : IServiceProvider
{
    public static NoServices Instance { get; } = new();

    public object? GetService(Type serviceType) => null;
}

internal sealed class NoHttpApplication : IHttpApplication<object>
{
    public object CreateContext(IFeatureCollection contextFeatures) => throw new NotSupportedException();

    public void DisposeContext(object context, Exception? exception)
    {
    }

    public Task ProcessRequestAsync(object context) => throw new NotSupportedException();
}
