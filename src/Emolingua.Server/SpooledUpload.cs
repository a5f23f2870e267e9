using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Emolingua.Server;

/// <summary>
/// The audio of a predict request, written to a temporary file (ffmpeg decodes from a path, and a file keeps large
/// uploads out of memory) and deleted on dispose. The audio is either the first file part of a multipart/form-data
/// body or, for any other content type, the raw body. The format is found from the content later, never from the
/// name or content type the client gave.
/// </summary>
internal sealed class SpooledUpload : IDisposable
{
    public string Path { get; }
    public long Length { get; }

    private SpooledUpload(string path, long length)
    {
        Path = path;
        Length = length;
    }

    /// <summary>Throws <see cref="ApiError"/> 413 past <paramref name="maxBytes"/> of request body, 400 for no
    /// audio.</summary>
    public static async Task<SpooledUpload> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancel)
    {
        if (request.ContentLength > maxBytes)
            throw TooLarge(maxBytes);
        var path = System.IO.Path.Combine(
            System.IO.Path.GetTempPath(),
            "emolingua-upload-" + Guid.NewGuid().ToString("N")
        );
        try
        {
            long length;
            await using (
                var file = new FileStream(
                    path,
                    FileMode.CreateNew,
                    FileAccess.Write,
                    FileShare.None,
                    81920,
                    FileOptions.Asynchronous
                )
            )
            {
                if (
                    MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
                    && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
                )
                {
                    await CopyFirstFilePartAsync(request, type, file, cancel);
                }
                else
                {
                    await request.Body.CopyToAsync(file, cancel);
                }

                length = file.Length;
            }
            if (length == 0)
            {
                throw new ApiError(
                    StatusCodes.Status400BadRequest,
                    "empty upload: send the audio as the request body or as a multipart file field"
                );
            }

            return new SpooledUpload(path, length);
        }
        catch (Exception e)
        {
            File.Delete(path);
            // Kestrel enforces the body limit while the body is read (chunked bodies have no length to check first).
            if (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
                throw TooLarge(maxBytes);
            if (e is BadHttpRequestException bad)
                throw new ApiError(bad.StatusCode, $"bad request body: {bad.Message}");
            if (e is InvalidDataException invalid)
                throw new ApiError(StatusCodes.Status400BadRequest, $"bad multipart body: {invalid.Message}");
            throw;
        }
    }

    private static async Task CopyFirstFilePartAsync(
        HttpRequest request,
        MediaTypeHeaderValue type,
        Stream destination,
        CancellationToken cancel
    )
    {
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
            throw new ApiError(StatusCodes.Status400BadRequest, "multipart/form-data without a boundary");
        var reader = new MultipartReader(boundary, request.Body);
        while (await ReadMultipartAsync(() => reader.ReadNextSectionAsync(cancel)) is { } section)
        {
            if (
                ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                && disposition.IsFileDisposition()
            )
            {
                // Only reads are the client's fault; a failed write (disk full) stays a server error.
                var buffer = new byte[81920];
                int n;
                while ((n = await ReadMultipartAsync(() => section.Body.ReadAsync(buffer, cancel).AsTask())) > 0)
                    await destination.WriteAsync(buffer.AsMemory(0, n), cancel);
                return;
            }
        }
        throw new ApiError(
            StatusCodes.Status400BadRequest,
            "multipart body has no file part: send the audio as a file field (any name)"
        );
    }

    /// <summary>
    /// A multipart body that ends before its closing boundary makes MultipartReader throw a plain IOException
    /// ("Unexpected end of Stream"; found by fuzzing, it was a 500): the client's malformed body, so a 400.
    /// </summary>
    private static async Task<T> ReadMultipartAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (IOException e) when (e is not Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            throw new ApiError(
                StatusCodes.Status400BadRequest,
                "bad multipart body: it ends before its closing boundary"
            );
        }
    }

    private static ApiError TooLarge(long maxBytes) =>
        new(
            StatusCodes.Status413PayloadTooLarge,
            $"upload larger than this server's limit of {maxBytes / 1e6:0.###} MB (--max-upload-mb)"
        );

    public void Dispose()
    {
        try
        {
            File.Delete(Path);
        }
        catch (IOException) { } // a file left behind is in the temporary folder, named emolingua-upload-*
    }
}
