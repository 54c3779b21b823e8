// The bucket policy for administrators with S3 credentials (docs/scale-out.md, "S3 permissions"):
// they may read, list and add delete markers, but the governance bypass, legal holds, retention and
// the bucket's lock and policy are explicitly denied. An explicit Deny is needed: measured on Ceph RGW
// 16, an Allow of s3:DeleteObjectVersion without s3:BypassGovernanceRetention still let the bypass through.
export function adminPolicy(bucket: string, adminPrincipals: string[]): object {
  const resources = [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`];
  const principal = { AWS: adminPrincipals };
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'AdminRead', Effect: 'Allow', Principal: principal, Resource: resources,
        Action: ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetObject', 's3:GetObjectVersion', 's3:GetObjectRetention', 's3:GetObjectLegalHold',
          's3:GetBucketObjectLockConfiguration', 's3:DeleteObject', 's3:DeleteObjectVersion'] },
      { Sid: 'AdminNoEarlyDelete', Effect: 'Deny', Principal: principal, Resource: resources,
        Action: ['s3:BypassGovernanceRetention', 's3:PutObjectLegalHold', 's3:PutObjectRetention', 's3:PutBucketObjectLockConfiguration',
          's3:PutBucketPolicy', 's3:DeleteBucketPolicy', 's3:PutObject'] },
    ],
  };
}
