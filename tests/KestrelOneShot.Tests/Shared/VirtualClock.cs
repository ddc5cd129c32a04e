using System.Threading.Channels;

using Microsoft.Extensions.Time.Testing;

namespace KestrelOneShot.Tests;

/// <summary>
/// A FakeTimeProvider that says when a timer is made, so a test advances the clock only once the
/// wait it means to end exists (a retry's delay, an attempt's timeout), instead of racing it.
/// </summary>
internal sealed class VirtualClock : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    /// <remarks>A CancellationTokenSource made with a timeout creates its timer unset, then sets it: both say.</remarks>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _timers.Writer.TryWrite(dueTime);
        return new Told(base.CreateTimer(callback, state, dueTime, period), _timers.Writer);
    }

    /// <summary>Waits, bounded, for a timer due in <paramref name="dueTime"/>, then advances the clock by that much.</summary>
    public async Task AdvancePastTimerAsync(TimeSpan dueTime)
    {
        while (await _timers.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().Within() != dueTime)
        {
        }

        Advance(dueTime);
    }

    private sealed class Told(ITimer timer, ChannelWriter<TimeSpan> timers) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = timer.Change(dueTime, period);
            timers.TryWrite(dueTime);
            return changed;
        }

        public void Dispose() => timer.Dispose();

        public ValueTask DisposeAsync() => timer.DisposeAsync();
    }
}
