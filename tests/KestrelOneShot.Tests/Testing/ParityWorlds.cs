using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;

using KestrelOneShot.InMemory;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Tests.Testing;

/// <summary>
/// Where the parity rows run one app: Kestrel on loopback sockets, Kestrel in memory, or TestServer
/// (which replaces Kestrel, and whose results the rows record rather than assert).
/// </summary>
public enum ParityWorld
{
    Sockets,
    InMemory,
    TestServer,
}

/// <summary>
/// One app, built in the test, with an endpoint per row of the parity table: HTTP/1.1, HTTP/2 with
/// prior knowledge, and HTTPS requiring a client certificate (not under TestServer, which has no TLS).
/// </summary>
internal sealed class ParityApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ParityWorld _world;
    private readonly InMemoryTransport? _network;
    private readonly Uri _http1;
    private readonly Uri _http2;
    private readonly Uri? _https;

    private ParityApp(WebApplication app, ParityWorld world, InMemoryTransport? network, Uri http1, Uri http2, Uri? https)
    {
        _app = app;
        _world = world;
        _network = network;
        _http1 = http1;
        _http2 = http2;
        _https = https;
    }

    /// <summary>The paths whose requests reached the app.</summary>
    public Channel<string> Started { get; } = Channel.CreateUnbounded<string>();

    /// <summary>The paths whose RequestAborted fired.</summary>
    public Channel<string> Aborted { get; } = Channel.CreateUnbounded<string>();

    public Uri Http1Address => _http1;

    public static async Task<ParityApp> StartAsync(ParityWorld world)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        InMemoryTransport? network = null;
        Uri http1, http2;
        Uri? https = null;
        if (world == ParityWorld.TestServer)
        {
            builder.WebHost.UseTestServer();
            http1 = http2 = new Uri("http://localhost/");
        }
        else
        {
            var ports = world == ParityWorld.InMemory ? (5080, 5081, 5443) : (FreePort.Find(), FreePort.Find(), FreePort.Find());
            if (world == ParityWorld.InMemory)
            {
                network = new InMemoryTransport();
                builder.Services.AddInMemoryTransport(network);
            }

            var certificates = TestCertificates.Shared;
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.Listen(IPAddress.Loopback, ports.Item1);
                kestrel.Listen(IPAddress.Loopback, ports.Item2, listen => listen.Protocols = HttpProtocols.Http2);
                kestrel.Listen(IPAddress.Loopback, ports.Item3, listen => listen.UseHttps(certificates.ServerEc, tls =>
                {
                    tls.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                    tls.ClientCertificateValidation = (certificate, _, _) => TlsClientHandshake.ChainsTo(certificate, certificates.Ca);
                }));
            });
            http1 = new Uri($"http://127.0.0.1:{ports.Item1}/");
            http2 = new Uri($"http://127.0.0.1:{ports.Item2}/");
            https = new Uri($"https://localhost:{ports.Item3}/");
        }

        var app = builder.Build();
        var parity = new ParityApp(app, world, network, http1, http2, https);
        parity.Map();
        await app.StartAsync(TestContext.Current.CancellationToken).Within();
        return parity;
    }

    /// <summary>A client of the HTTP/1.1 endpoint.</summary>
    public HttpClient Http1() => new(Handler()) { BaseAddress = _http1 };

    /// <summary>A client of the HTTP/2 endpoint, with prior knowledge.</summary>
    public HttpClient Http2() =>
        new(Handler()) { BaseAddress = _http2, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

    /// <summary>A gRPC client of the HTTP/2 endpoint.</summary>
    public HttpApp.Grpc.Greeter.GreeterClient GrpcClient() =>
        new(global::Grpc.Net.Client.GrpcChannel.ForAddress(_http2, new global::Grpc.Net.Client.GrpcChannelOptions { HttpHandler = Handler() }));

    /// <summary>A client of the HTTPS endpoint presenting <paramref name="certificate"/>; null where there is no TLS (TestServer).</summary>
    public HttpClient? Mtls(X509Certificate2 certificate)
    {
        if (_https is null)
        {
            return null;
        }

        var handler = _network?.CreateHandler(TestCertificates.Shared.Ca) ?? new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, server, _, _) => server is X509Certificate2 leaf && TlsClientHandshake.ChainsTo(leaf, TestCertificates.Shared.Ca);
        handler.SslOptions.ClientCertificates = [certificate];
        return new HttpClient(handler) { BaseAddress = _https };
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private HttpMessageHandler Handler() => _world switch
    {
        ParityWorld.TestServer => _app.GetTestServer().CreateHandler(),
        ParityWorld.InMemory => _network!.CreateHandler(),
        _ => new SocketsHttpHandler(),
    };

    private void Map()
    {
        _app.MapGet("/slow", async (HttpContext http) =>
        {
            Started.Writer.TryWrite("/slow");
            try
            {
                await Task.Delay(Timeout.Infinite, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                Aborted.Writer.TryWrite("/slow");
            }
        });
        // gRPC's duplex stream (Echo): each request answered while the client's stream is still open.
        _app.MapGrpcService<HttpApp.GreeterService>();
        // A large streamed response while the upload is still being read: the upload must arrive whole.
        _app.MapPost("/upload-while-streaming", async (HttpContext http) =>
        {
            var reading = CountAsync(http.Request.Body, http.RequestAborted);
            var chunk = new byte[64 * 1024];
            for (var i = 0; i < 64; i++)
            {
                await http.Response.Body.WriteAsync(chunk, http.RequestAborted);
            }

            await http.Response.WriteAsync($"\nupload={await reading}", http.RequestAborted);
        });
        _app.MapGet("/trailers", async (HttpContext http) =>
        {
            await http.Response.WriteAsync("body", http.RequestAborted);
            http.Response.AppendTrailer("x-checksum", "abc");
        });
        _app.MapPost("/limited", async (HttpContext http) =>
        {
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is not { } limit)
            {
                return Results.Text("no IHttpMaxRequestBodySizeFeature");
            }

            limit.MaxRequestBodySize = 10;
            try
            {
                return Results.Text($"read {await CountAsync(http.Request.Body, http.RequestAborted)}");
            }
            catch (Microsoft.AspNetCore.Http.BadHttpRequestException tooLarge)
            {
                return Results.StatusCode(tooLarge.StatusCode);
            }
        });
        _app.MapGet("/framing/unknown-length", async (HttpContext http) =>
        {
            await http.Response.WriteAsync("a", http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
            await http.Response.WriteAsync("b", http.RequestAborted);
        });
        _app.MapGet("/framing/known-length", async (HttpContext http) =>
        {
            http.Response.ContentLength = 2;
            await http.Response.WriteAsync("ab", http.RequestAborted);
        });
        _app.MapGet("/connection", (HttpContext http) =>
            $"{http.Request.Protocol} remote={http.Connection.RemoteIpAddress}:{http.Connection.RemotePort} local={http.Connection.LocalIpAddress}:{http.Connection.LocalPort} client={http.Connection.ClientCertificate?.Subject}");
    }

    private static async Task<long> CountAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
        }

        return total;
    }
}
