using Microsoft.AspNetCore.Server.Kestrel.Core;

using Yarp.ReverseProxy.Configuration;

namespace Gateway;

/// <summary>
/// The gateway, on 8080 (HTTP/1.1) and 8081 (HTTP/2 with prior knowledge; <c>Ports:Http</c> and
/// <c>Ports:Http2</c> move them): YARP routes <c>/orders/…</c> and <c>/hubs/…</c> (SignalR,
/// WebSockets included) to Orders and <c>/invoices/…</c> to Billing, by their names
/// (<c>Services:Orders</c>, <c>Services:Billing</c> move them).
/// </summary>
public sealed class Program
{
    private Program()
    {
    }

    public const int HttpPort = 8080;
    public const int Http2Port = 8081;

    public static void Main(string[] args) => Build(args).Run();

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.ListenAnyIP(context.Configuration.GetValue("Ports:Http", HttpPort));
            kestrel.ListenAnyIP(context.Configuration.GetValue("Ports:Http2", Http2Port), listen => listen.Protocols = HttpProtocols.Http2);
        });
        var orders = builder.Configuration["Services:Orders"] ?? "http://orders:8080/";
        var billing = builder.Configuration["Services:Billing"] ?? "http://billing:8080/";
        builder.Services.AddReverseProxy().LoadFromMemory(
            [
                Route("orders", "/orders/{**rest}", "orders"),
                Route("hubs", "/hubs/{**rest}", "orders"),
                Route("invoices", "/invoices/{**rest}", "billing"),
            ],
            [
                new ClusterConfig { ClusterId = "orders", Destinations = new Dictionary<string, DestinationConfig> { ["orders"] = new() { Address = orders } } },
                new ClusterConfig { ClusterId = "billing", Destinations = new Dictionary<string, DestinationConfig> { ["billing"] = new() { Address = billing } } },
            ]);

        var app = builder.Build();
        app.MapReverseProxy();
        return app;
    }

    private static RouteConfig Route(string id, string path, string cluster) =>
        new() { RouteId = id, ClusterId = cluster, Match = new RouteMatch { Path = path } };
}
