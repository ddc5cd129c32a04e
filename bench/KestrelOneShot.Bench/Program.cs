using BenchmarkDotNet.Running;

using KestrelOneShot.Bench;

// bench/run.sh is the one command; this program is what it runs:
//   startup --runs 20 --reference PATH --aot PATH --fdd PATH.dll [--nc]    the process table
//   handler [BenchmarkDotNet arguments]                                    the handler over pipes
//   flood --aot PATH [--probes 1000] [--seconds 10]                        probes while serving
return args.FirstOrDefault() switch
{
    "handler" => RunHandler(args[1..]),
    "flood" => ProbeFlood.Run(BenchArguments.Parse(args[1..])),
    "startup" or null => StartupBenchmark.Run(BenchArguments.Parse(args.Skip(1).ToArray())),
    var other => Usage(other),
};

static int RunHandler(string[] args)
{
    BenchmarkRunner.Run<HandlerBenchmarks>(args: args);
    return 0;
}

static int Usage(string mode)
{
    Console.Error.WriteLine($"unknown mode '{mode}': startup, handler or flood (see bench/run.sh)");
    return 2;
}
