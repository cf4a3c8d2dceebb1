"""The P1 baseline: an organization's EC2 instances, scanned as a competent engineer would with boto3.

Lists the organization's active accounts, assumes the CloudBuilder role in each
(with the external id) and paginates DescribeInstances in each region, all on a
16-thread ThreadPoolExecutor: one task per account for AssumeRole, then one per
(account, region). boto3 sessions are not thread-safe, so each thread keeps its
own; clients are made from it. Endpoint and keys come from the environment
(AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...), as for any boto3 program.

Writes the instance ids found, one a line, to OUT.

Usage: boto3_scanner.py EXTERNAL_ID R1,R2,... OUT
"""

import itertools
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import boto3

THREADS = 16
local = threading.local()


def session():
    if not hasattr(local, "session"):
        local.session = boto3.session.Session()
    return local.session


def assume(account, external_id):
    role = f"arn:aws:iam::{account}:role/CloudBuilder"
    answer = session().client("sts").assume_role(RoleArn=role, RoleSessionName="boto3-scanner", ExternalId=external_id)
    return answer["Credentials"]


def instance_ids(creds, region):
    ec2 = session().client(
        "ec2", region_name=region, aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"],
    )
    return [
        instance["InstanceId"]
        for page in ec2.get_paginator("describe_instances").paginate()
        for reservation in page["Reservations"]
        for instance in reservation["Instances"]
    ]


def main():
    external_id, regions, out = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
    pages = session().client("organizations").get_paginator("list_accounts").paginate()
    accounts = [a["Id"] for page in pages for a in page["Accounts"] if a["Status"] == "ACTIVE"]
    with ThreadPoolExecutor(THREADS) as pool:
        creds = dict(zip(accounts, pool.map(lambda a: assume(a, external_id), accounts)))
        found = pool.map(lambda ar: instance_ids(creds[ar[0]], ar[1]), itertools.product(accounts, regions))
        ids = [i for batch in found for i in batch]
    with open(out, "w") as f:
        f.writelines(f"{i}\n" for i in ids)


if __name__ == "__main__":
    main()
