using Billing.Grpc;

using Grpc.Core;

using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Billing;

/// <summary>
/// Billing: <c>GET /invoices/{orderId}</c> on 8080 (HTTP/1.1) and the gRPC <c>Charger</c> on 8081
/// (HTTP/2 with prior knowledge, as gRPC runs in cleartext behind a mesh); <c>Ports:Http</c> and
/// <c>Ports:Grpc</c> move them (side by side on one machine's sockets). Each answer says which
/// address the call came from, so a test can see who called.
/// </summary>
public sealed class Program
{
    private Program()
    {
    }

    public const int HttpPort = 8080;
    public const int GrpcPort = 8081;

    public static void Main(string[] args) => Build(args).Run();

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.ListenAnyIP(context.Configuration.GetValue("Ports:Http", HttpPort));
            kestrel.ListenAnyIP(context.Configuration.GetValue("Ports:Grpc", GrpcPort), listen => listen.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddGrpc();

        var app = builder.Build();
        app.MapGet("/invoices/{orderId}", (string orderId, HttpContext context) =>
            new Invoice(orderId, PriceOf(orderId), context.Connection.RemoteIpAddress?.ToString()));
        app.MapGrpcService<ChargerService>();
        return app;
    }

    /// <summary>A price that depends only on the order, so every test knows what to expect.</summary>
    public static long PriceOf(string orderId) => 100 + (orderId.Length * 25);

    private sealed class ChargerService : Charger.ChargerBase
    {
        public override Task<ChargeReply> Charge(ChargeRequest request, ServerCallContext context) =>
            Task.FromResult(new ChargeReply
            {
                Receipt = $"receipt-{request.OrderId}-{request.AmountCents}",
                Caller = context.GetHttpContext().Connection.RemoteIpAddress?.ToString() ?? "",
            });
    }
}

/// <summary>What <c>GET /invoices/{orderId}</c> answers.</summary>
public sealed record Invoice(string OrderId, long AmountCents, string? Caller);
