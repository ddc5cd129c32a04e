using System.IO.Pipelines;

using BenchmarkDotNet.Attributes;

using KestrelOneShot.Configuration;
using KestrelOneShot.ConnectionHandling;
using KestrelOneShot.Connections;
using KestrelOneShot.Output;
using KestrelOneShot.Run;

using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Bench;

/// <summary>
/// One exchange through <see cref="OneShotConnectionHandler"/> over in-memory pipes: time and
/// allocated bytes. The pipes and the connection are reused (reset between exchanges), so what is
/// allocated is the handler's own.
/// </summary>
[MemoryDiagnoser]
public class HandlerBenchmarks
{
    private static readonly byte[] Message = "Who is there?\r\n"u8.ToArray();
    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();
    private OneShotConnectionHandler _handler = null!;
    private DefaultConnectionContext _connection = null!;

    [Params("30s", "0")]
    public string ReadTimeout { get; set; } = "30s";

    [GlobalSetup]
    public void Setup()
    {
        // Count so large that the one run serves every iteration.
        _ = Duration.TryParse(ReadTimeout, out var readTimeout);
        var options = Options.Create(new OneShotOptions { Count = int.MaxValue, ReadTimeout = readTimeout });
        var run = new OneShotRun(new NoLifetime(), options, TimeProvider.System);
        var stdout = new QueuedLineWriter(TextWriter.Null, capacity: 1024, dropWhenFull: false);
        _handler = new OneShotConnectionHandler(run, stdout, options, TimeProvider.System, NullLogger<OneShotConnectionHandler>.Instance);
        _connection = new DefaultConnectionContext("bench", new Duplex(_toServer.Reader, _toClient.Writer), new Duplex(_toClient.Reader, _toServer.Writer));
    }

    [Benchmark]
    public async Task Exchange()
    {
        await _toServer.Writer.WriteAsync(Message);
        await _handler.OnConnectedAsync(_connection);
        var answer = await _toClient.Reader.ReadAsync();
        _toClient.Reader.AdvanceTo(answer.Buffer.End);

        await _toServer.Writer.CompleteAsync();
        await _toServer.Reader.CompleteAsync();
        await _toClient.Writer.CompleteAsync();
        await _toClient.Reader.CompleteAsync();
        _toServer.Reset();
        _toClient.Reset();
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    private sealed class NoLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => default;

        public CancellationToken ApplicationStopping => default;

        public CancellationToken ApplicationStopped => default;

        public void StopApplication()
        {
        }
    }
}
