using Azure.Storage.Blobs;
using ChatEngine;
using ChatEngine.Azure;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Azure Blob Storage for attachments on <see cref="ChatEngineBuilder"/>.</summary>
public static class ChatEngineAzureBuilderExtensions
{
    /// <summary>The container attachments go to unless another is named.</summary>
    public const string DefaultContainerName = "chatengine-attachments";

    /// <summary>
    /// Keeps attachments' bytes in Azure Blob Storage (container <paramref name="containerName"/>, created
    /// when missing), replacing the file system store. Every host of a scaled-out app reads the same files.
    /// </summary>
    public static ChatEngineBuilder AddAzureBlobAttachments(this ChatEngineBuilder builder, string connectionString, string containerName = DefaultContainerName)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        ArgumentException.ThrowIfNullOrEmpty(containerName);
        return builder.AddAzureBlobAttachments(new BlobContainerClient(connectionString, containerName));
    }

    /// <summary>Keeps attachments' bytes in <paramref name="container"/> (created when missing), for a client configured by the app (managed identity, say).</summary>
    public static ChatEngineBuilder AddAzureBlobAttachments(this ChatEngineBuilder builder, BlobContainerClient container)
    {
        ArgumentNullException.ThrowIfNull(container);
        return builder.AddAttachmentStore(_ => new AzureBlobAttachmentStore(container));
    }
}
