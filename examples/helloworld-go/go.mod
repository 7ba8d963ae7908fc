module github.com/knative/docs/code-samples/serving/hello-world/helloworld-go

go 1.19
