using Grpc.Core;

using HttpApp.Grpc;

namespace HttpApp;

/// <summary>The sample's gRPC service (HTTP/2: the Http2-only endpoint, or HTTPS).</summary>
public sealed class GreeterService : Greeter.GreeterBase
{
    public override Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context) =>
        Task.FromResult(new HelloReply { Message = $"Hello {request.Name} over {context.GetHttpContext().Request.Protocol}" });

    public override async Task Count(CountRequest request, IServerStreamWriter<CountReply> responseStream, ServerCallContext context)
    {
        for (var i = 1; i <= request.To; i++)
        {
            await responseStream.WriteAsync(new CountReply { Value = i }, context.CancellationToken);
        }
    }

    public override async Task Echo(IAsyncStreamReader<HelloRequest> requestStream, IServerStreamWriter<HelloReply> responseStream, ServerCallContext context)
    {
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            await responseStream.WriteAsync(new HelloReply { Message = request.Name }, context.CancellationToken);
        }
    }
}
