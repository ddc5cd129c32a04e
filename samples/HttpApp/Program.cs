using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;

using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace HttpApp;

/// <summary>
/// Endpoints: 5080 (HTTP/1.1; HTTP/2 only through ALPN, so not in cleartext), 5081 (HTTP/2 only:
/// prior knowledge), and 5443 (HTTPS, HTTP/1.1 and HTTP/2 by ALPN) when <c>Https:CertificatePath</c>
/// and <c>Https:KeyPath</c> name PEM files. <c>Ports:Http</c>, <c>Ports:Http2</c> and <c>Ports:Https</c>
/// move them, for tests that run the app on sockets side by side.
/// </summary>
public sealed class Program
{
    private Program()
    {
    }

    public const int HttpPort = 5080;
    public const int Http2Port = 5081;
    public const int HttpsPort = 5443;

    public static void Main(string[] args) => Build(args).Run();

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddSingleton<EventGate>();
        builder.Services.AddSingleton<AbortedRequests>();
        builder.Services.AddGrpc();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            int Port(string name, int fallback) => context.Configuration.GetValue($"Ports:{name}", fallback);
            kestrel.ListenLocalhost(Port("Http", HttpPort));
            kestrel.ListenLocalhost(Port("Http2", Http2Port), listen => listen.Protocols = HttpProtocols.Http2);
            if (context.Configuration["Https:CertificatePath"] is { } certificate && context.Configuration["Https:KeyPath"] is { } key)
            {
                var pem = X509Certificate2.CreateFromPemFile(certificate, key);
                kestrel.ListenLocalhost(Port("Https", HttpsPort), listen => listen.UseHttps(pem));
            }
        });

        var app = builder.Build();
        app.UseWebSockets();
        app.MapGrpcService<GreeterService>();
        app.MapGet("/hello", () => "hello");
        app.MapGet("/connection", (HttpContext http) =>
            $"{http.Request.Protocol} {http.Request.Scheme} remote={http.Connection.RemoteIpAddress}:{http.Connection.RemotePort} local={http.Connection.LocalIpAddress}:{http.Connection.LocalPort}");
        app.MapPost("/echo", async (HttpContext http) =>
        {
            http.Response.ContentType = "application/octet-stream";
            await http.Request.Body.CopyToAsync(http.Response.Body, http.RequestAborted);
        });
        app.MapGet("/slow", async (HttpContext http, AbortedRequests aborted) =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), http.RequestAborted);
                return "late";
            }
            catch (OperationCanceledException)
            {
                aborted.Record(http.Request.Path);
                throw;
            }
        });
        app.MapGet("/events", async (HttpContext http, EventGate gate) =>
        {
            // Server-Sent Events: each one flushed on its own, the next written only when the test allows it.
            http.Response.ContentType = "text/event-stream";
            for (var i = 1; i <= 3; i++)
            {
                await http.Response.WriteAsync($"data: {i}\n\n", http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
                if (i < 3)
                {
                    await gate.WaitAsync(http.RequestAborted);
                }
            }
        });
        app.Map("/ws", async (HttpContext http) =>
        {
            if (!http.WebSockets.IsWebSocketRequest)
            {
                http.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using var socket = await http.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, http.RequestAborted);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", http.RequestAborted);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, http.RequestAborted);
            }
        });
        return app;
    }
}

/// <summary>Lets a test hold <c>/events</c> between events, to see each arrive before the response ends.</summary>
public sealed class EventGate
{
    private readonly System.Threading.Channels.Channel<bool> _next = System.Threading.Channels.Channel.CreateUnbounded<bool>();

    public void Release() => _next.Writer.TryWrite(true);

    public async Task WaitAsync(CancellationToken cancellationToken) => await _next.Reader.ReadAsync(cancellationToken);
}

/// <summary>The paths of requests whose client went away before the answer: what reached <c>RequestAborted</c>.</summary>
public sealed class AbortedRequests
{
    private readonly System.Threading.Channels.Channel<string> _paths = System.Threading.Channels.Channel.CreateUnbounded<string>();

    public void Record(string path) => _paths.Writer.TryWrite(path);

    public ValueTask<string> NextAsync(CancellationToken cancellationToken) => _paths.Reader.ReadAsync(cancellationToken);
}
