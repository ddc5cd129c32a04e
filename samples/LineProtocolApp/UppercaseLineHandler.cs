using System.Buffers;
using System.IO.Pipelines;
using System.Text;

using Microsoft.AspNetCore.Connections;

namespace LineProtocolApp;

/// <summary>Answers every line it reads with the line in upper case, until the client ends its output.</summary>
public sealed class UppercaseLineHandler : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        while (true)
        {
            var result = await input.ReadAsync();
            var buffer = result.Buffer;
            // A line may arrive in pieces, and several may arrive at once: answer each whole one.
            while (buffer.PositionOf((byte)'\n') is { } end)
            {
                var line = Encoding.UTF8.GetString(buffer.Slice(0, end));
                await output.WriteAsync(Encoding.UTF8.GetBytes(line.ToUpperInvariant() + "\n"));
                buffer = buffer.Slice(buffer.GetPosition(1, end));
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }
}
