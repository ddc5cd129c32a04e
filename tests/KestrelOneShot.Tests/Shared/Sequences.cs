using System.Buffers;

namespace KestrelOneShot.Tests;

/// <summary>Multi-segment buffers, as a pipe hands them out after several socket reads.</summary>
internal static class Sequences
{
    public static ReadOnlySequence<byte> Of(params byte[][] parts)
    {
        Segment? first = null, last = null;
        foreach (var part in parts)
        {
            last = new Segment(part, last);
            first ??= last;
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    /// <summary><paramref name="bytes"/> cut at each of <paramref name="cuts"/> (any order, repeats allowed).</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, IEnumerable<int> cuts)
    {
        var bounds = cuts.Append(0).Append(bytes.Length).Distinct().Order().ToArray();
        return Of([.. Enumerable.Range(0, bounds.Length - 1).Select(i => bytes[bounds[i]..bounds[i + 1]])]);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, Segment? previous)
        {
            Memory = bytes;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
