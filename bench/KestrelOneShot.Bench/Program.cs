using BenchmarkDotNet.Running;

using KestrelOneShot.Bench;

// bench/run.sh is the one command; this program is what it runs besides the native start-up
// harness (bench/harness/startup.c):
//   handler [BenchmarkDotNet arguments]                  the handler over pipes
//   flood --aot PATH [--probes 1000] [--seconds 10]      probes while serving
//   http [--rounds 10] [--starts 20] [--requests 2000]   in-memory Kestrel against TestServer and loopback sockets
//   system [--rounds 10] [--starts 10] [--requests 2000] samples/System in memory by name, joined by hand, and on loopback sockets
return args.FirstOrDefault() switch
{
    "handler" => RunHandler(args[1..]),
    "flood" => ProbeFlood.Run(BenchArguments.Parse(args[1..])),
    "http" => await HttpInMemoryComparison.RunAsync(BenchArguments.Parse(args[1..])),
    "system" => await SystemComparison.RunAsync(BenchArguments.Parse(args[1..])),
    var other => Usage(other),
};

static int RunHandler(string[] args)
{
    BenchmarkRunner.Run<HandlerBenchmarks>(args: args);
    return 0;
}

static int Usage(string? mode)
{
    Console.Error.WriteLine($"unknown mode '{mode}': handler, flood, http or system (see bench/run.sh)");
    return 2;
}
