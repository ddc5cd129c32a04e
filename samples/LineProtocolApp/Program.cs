using LineProtocolApp;

using Microsoft.AspNetCore.Connections;

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.ConfigureKestrel(kestrel =>
    kestrel.ListenLocalhost(5123, listen => listen.UseConnectionHandler<UppercaseLineHandler>()));

var app = builder.Build();
app.Run();
