/**
 * The part of Huawei's official OBS SDK for Node.js (`esdk-obs-nodejs`, which ships no types) that the worker
 * uses: construction options, the promise form of the read operations, and the result envelope.
 */
declare module 'esdk-obs-nodejs' {
  import type { Agent as HttpAgent } from 'node:http';
  import type { Agent as HttpsAgent } from 'node:https';
  import type { Readable } from 'node:stream';

  namespace ObsClient {
    /** Constructor options (the SDK's snake_case names). */
    interface Options {
      access_key_id: string;
      secret_access_key: string;
      security_token?: string;
      /** `https://host[:port]` or `http://host[:port]`; an IP address forces path-style addressing. */
      server: string;
      /** `obs` (default) or `v2` (AWS V2 header flavour), `v4`. Path-style and CNAME addressing use `v2`. */
      signature?: 'obs' | 'v2' | 'v4';
      path_style?: boolean;
      is_cname?: boolean;
      is_signature_negotiation?: boolean;
      region?: string;
      /** Retries of the SDK itself (default 3). */
      max_retry_count?: number;
      /** Seconds (default 60). */
      timeout?: number;
      /** TLS certificate verification: false by default in the SDK; true or a CA file path. */
      ssl_verify?: boolean | string;
      http_agent?: HttpAgent;
      https_agent?: HttpsAgent;
      user_agent?: string;
    }

    /** Status and error of every call (the SDK resolves non-2xx answers instead of rejecting). */
    interface CommonMsg {
      Status: number;
      Code: string;
      Message: string;
      RequestId: string;
      HostId: string;
    }

    interface Result<T> {
      CommonMsg: CommonMsg;
      /** Absent (or null) for error answers. */
      InterfaceResult: T | null | undefined;
    }

    interface ListedObject {
      Key: string;
      LastModified: string;
      ETag: string;
      Size: string;
      StorageClass?: string;
    }

    interface ListObjectsOutput {
      Location?: string;
      Bucket: string;
      Prefix?: string;
      Marker?: string;
      NextMarker?: string;
      MaxKeys?: string;
      IsTruncated: string;
      Contents: ListedObject[];
      CommonPrefixes?: { Prefix: string }[];
    }

    interface BucketMetadataOutput {
      Location?: string;
      StorageClass?: string;
    }

    interface ObjectMetadata {
      ContentLength?: string;
      ContentType?: string;
      ETag?: string;
      LastModified?: string;
    }

    interface GetObjectOutput extends ObjectMetadata {
      /** A Readable with `SaveAsStream: true`, else the body as a string. */
      Content: Readable | string;
    }
  }

  class ObsClient {
    constructor(options: ObsClient.Options);
    headBucket(params: { Bucket: string }): Promise<ObsClient.Result<Record<string, never>>>;
    /** HEAD on the bucket, like headBucket, with the bucket's region and default storage class. */
    getBucketMetadata(params: { Bucket: string }): Promise<ObsClient.Result<ObsClient.BucketMetadataOutput>>;
    listObjects(params: {
      Bucket: string;
      Prefix?: string;
      Marker?: string;
      MaxKeys?: number;
      Delimiter?: string;
    }): Promise<ObsClient.Result<ObsClient.ListObjectsOutput>>;
    getObjectMetadata(params: { Bucket: string; Key: string }): Promise<ObsClient.Result<ObsClient.ObjectMetadata>>;
    getObject(params: {
      Bucket: string;
      Key: string;
      SaveAsStream?: boolean;
    }): Promise<ObsClient.Result<ObsClient.GetObjectOutput>>;
    close(): void;
  }

  export = ObsClient;
}
