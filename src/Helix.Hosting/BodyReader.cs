using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Helix.Hosting;

public enum BodyStatus
{
    Complete,
    TooLarge,
    TimedOut,
    Aborted,
    Malformed,
}

/// <summary>
/// Reads a request body up to a limit. Memory grows with what actually arrived, never with what
/// the client claims, so a slow or lying upload holds little; past the limit nothing more is read.
/// </summary>
public static class BodyReader
{
    private const int FirstChunk = 16 << 10;

    public static async Task<(BodyStatus Status, byte[] Body)> ReadAsync(HttpContext context, int maxBytes, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (request.ContentLength > maxBytes)
        {
            return (BodyStatus.TooLarge, []);
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = maxBytes;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(timeout);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? FirstChunk, FirstChunk) + 1);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes)
                    {
                        return (BodyStatus.TooLarge, []);
                    }
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), deadline.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                length += read;
                if (length > maxBytes)
                {
                    return (BodyStatus.TooLarge, []);
                }
            }
            return (BodyStatus.Complete, buffer.AsSpan(0, length).ToArray());
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return (BodyStatus.Aborted, []);
        }
        catch (OperationCanceledException)
        {
            return (BodyStatus.TimedOut, []);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits: the size set above, the minimum data rate, a broken chunked encoding.
            return (e.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => BodyStatus.TooLarge,
                StatusCodes.Status408RequestTimeout => BodyStatus.TimedOut,
                _ => BodyStatus.Malformed,
            }, []);
        }
        catch (IOException)
        {
            return (BodyStatus.Aborted, []);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
